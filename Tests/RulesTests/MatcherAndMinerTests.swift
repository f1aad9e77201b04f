import Testing
import Basics
import JSONLines
import TextViews
@testable import kdsl_rules

@Suite struct MatcherAndMinerTests {
    /// Random rules on random texts: the automaton-and-anchor matcher fires exactly the rules a
    /// naive evaluation (substring tests, task check) fires, in conflict order.
    @Test func matcherAgreesWithNaiveEvaluation() {
        var rng = SeededRNG(seed: 3)
        let views: [TextView] = [.user, .agent, .ocr, .all]
        for round in 0..<40 {
            var rules: [Rule] = []
            for i in 0..<Int(1 + rng.next() % 30) {
                let preds = (0..<Int(1 + rng.next() % 3)).map { _ in
                    Predicate(view: views[Int(rng.next() % 4)], literal: randomText(&rng, length: Int(1 + rng.next() % 2)), negated: rng.next() % 3 == 0)
                }
                var r = Rule(id: "r\(round)-\(i)", label: "L\(rng.next() % 4)", task: rng.next() % 3 == 0 ? "t" : nil, predicates: preds)
                r.reward = rng.next() % 5 == 0 ? nil : Double(rng.next() % 100) / 100
                rules.append(r)
            }
            let matcher = RuleMatcher(rules)
            for _ in 0..<20 {
                let texts = views.map { _ in randomText(&rng, length: Int(rng.next() % 12)) }
                let task: String? = [nil, "t", "other"][Int(rng.next() % 3)]
                let indices = matcher.fire(text: { texts[$0.order] }, task: task)
                let fired = indices.map { matcher.rules[Int($0)].id }
                // The pre-serialised output is the JSON value's serialisation, byte for byte.
                var bytes: [UInt8] = []
                matcher.serializedValue(for: indices, into: &bytes)
                #expect(String(decoding: bytes, as: UTF8.self) == matcher.value(for: indices).serialized)
                let expected = matcher.rules.filter { r in
                    if let t = r.task, t != task { return false }
                    return r.predicates.allSatisfy { p in
                        Tokenizer.normalize(texts[p.view.order]).utf8.firstRange(of: p.literal.utf8) != nil ? !p.negated : p.negated
                    }
                }.map(\.id)
                #expect(fired == expected)
            }
        }
    }

    static func corpus() throws -> Corpus {
        // Two labels with telling words, some noise, two tasks.
        var records: [MiningRecord] = []
        var rng = SeededRNG(seed: 5)
        let noise = ["你好", "请问", "谢谢", "这个", "商品", "hello"]
        for i in 0..<60 {
            let label = ["refund", "size", "colour"][i % 3]
            let cue = ["我要退款", "尺码多大", "什么颜色"][i % 3]
            var text = noise[Int(rng.next() % 6)] + noise[Int(rng.next() % 6)]
            if rng.next() % 5 != 0 { text += cue }   // 80% carry the cue
            let r = try Record(#"{"task":"intent","dialogue":"用户: "# + text + #"\n客服: 好的"}"#)
            records.append(MiningRecord(location: r.location, task: "intent", label: label, prediction: nil, text: RecordText(r)))
        }
        return Corpus(records: records, views: [.user], maxN: 3, minCount: 2)
    }

    @Test func miningIsDeterministicUnderASeedAndFindsTheCues() throws {
        let corpus = try Self.corpus()
        var o = MineOptions(); o.iterations = 200; o.views = [.user]; o.maxN = 3
        let a = MCTSMiner(corpus: corpus, options: o).units.flatMap { MCTSMiner(corpus: corpus, options: o).mine(task: $0.task, label: $0.label) }
        let b = MCTSMiner(corpus: corpus, options: o).units.flatMap { MCTSMiner(corpus: corpus, options: o).mine(task: $0.task, label: $0.label) }
        #expect(!a.isEmpty)
        #expect(RuleSet(rules: a).jsonLines == RuleSet(rules: b).jsonLines)
        for r in a {
            #expect(r.reward! >= 0.8)
            #expect(r.predicates.count <= o.maxPredicates)
            #expect(r.predicates.contains { !$0.negated })
        }
        // The refund rules use the refund cue, not a noise word.
        let refund = a.filter { $0.label == "refund" }
        #expect(refund.contains { $0.predicates.contains { "我要退款".contains($0.literal) && !$0.negated } })
    }

    @Test func maxPredicatesBoundsRuleLength() throws {
        let corpus = try Self.corpus()
        var o = MineOptions(); o.iterations = 200; o.views = [.user]; o.maxPredicates = 1; o.minReward = 0
        let miner = MCTSMiner(corpus: corpus, options: o)
        let rules = miner.units.flatMap { miner.mine(task: $0.task, label: $0.label) }
        #expect(!rules.isEmpty)
        #expect(rules.allSatisfy { $0.predicates.count == 1 })
    }

    @Test func crossFittedCountsComeFromHeldOutFoldsOnly() throws {
        // With k folds, each record is held out once: pooled support can never exceed the
        // number of records a rule covers in the whole task.
        let corpus = try Self.corpus()
        var o = MineOptions(); o.iterations = 200; o.views = [.user]; o.keepRedundant = true
        let miner = MCTSMiner(corpus: corpus, options: o)
        for unit in miner.units {
            for r in miner.mine(task: unit.task, label: unit.label) {
                let covered = corpus.records.indices.filter { i in
                    r.predicates.allSatisfy { p in Tokenizer.normalize(corpus.records[i].text[p.view]).utf8.firstRange(of: p.literal.utf8) != nil ? !p.negated : p.negated }
                }
                #expect(r.support! <= covered.count)
                #expect(r.folds! <= o.folds)
            }
        }
    }
}
