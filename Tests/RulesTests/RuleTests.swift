import Testing
import JSONLines
@testable import kdsl_rules

func rule(_ id: String, _ label: String, reward: Double?, support: Int? = nil, task: String? = nil, _ preds: [Predicate]) -> Rule {
    var r = Rule(id: id, label: label, task: task, predicates: preds)
    r.reward = reward; r.support = support
    return r
}

@Suite struct RuleTests {
    @Test func parsesAndWritesBackTheSameLine() throws {
        let line = #"{"id":"r1","label":"退款","task":"intent","when":[{"field":"user","contains":"退款"},{"field":"agent","not_contains":"换货"}],"reward":0.9,"precision":1.0,"hits":9,"support":9,"folds":5,"source":"mine","note":"checked by Ann"}"#
        let r = try Rule(json: try JSON.parse(line))
        #expect(r.label == "退款" && r.task == "intent" && r.predicates.count == 2)
        #expect(r.json.serialized == line)
    }

    @Test func literalsAreNormalisedLikeText() throws {
        let r = try Rule(json: try JSON.parse(#"{"label":"x","when":[{"field":"all","contains":"ＲＥＦＵＮＤ"}]}"#))
        #expect(r.predicates[0].literal == "refund")
        #expect(r.id == Rule.contentID(label: "x", task: nil, predicates: r.predicates))
    }

    @Test func rejectsBadRulesWithAReason() {
        let cases: [(String, String)] = [
            (#"{"when":[{"field":"user","contains":"a"}]}"#, "missing \"label\""),
            (#"{"label":"x"}"#, "missing \"when\""),
            (#"{"label":"x","when":[]}"#, "\"when\" is empty"),
            (#"{"label":"x","when":[{"field":"body","contains":"a"}]}"#, "unknown field"),
            (#"{"label":"x","when":[{"field":"user","contain":"a"}]}"#, "unknown key \"contain\""),
            (#"{"label":"x","when":[{"field":"user","contains":"a","not_contains":"b"}]}"#, "exactly one"),
            (#"{"label":"x","when":[{"field":"user","contains":""}]}"#, "literal is empty"),
            (#"{"label":"x","when":[{"field":"user","contains":"a"}],"reward":1.5}"#, "\"reward\" must be in [0, 1]"),
            (#"{"label":3,"when":[{"field":"user","contains":"a"}]}"#, "\"label\" must be a string"),
            (#"[1]"#, "expected a rule object"),
        ]
        for (line, message) in cases {
            do {
                _ = try Rule(json: try JSON.parse(line))
                Issue.record("accepted \(line)")
            } catch let e as RecordError {
                #expect(e.message.contains(message), "\(line): \(e.message)")
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func conflictPolicyRanksRewardThenSupportThenId() {
        let p = [Predicate(view: .user, literal: "a")]
        let hand = rule("z-hand", "H", reward: nil, p)
        let high = rule("b", "X", reward: 0.95, support: 3, p)
        let wide = rule("c", "Y", reward: 0.9, support: 20, p)
        let narrow = rule("a", "Z", reward: 0.9, support: 5, p)
        let tieID = rule("0", "Z", reward: 0.9, support: 5, p)
        let order = [narrow, wide, tieID, high, hand].sorted(by: Rule.ranksBefore).map(\.id)
        #expect(order == ["z-hand", "b", "c", "0", "a"])
        let m = RuleMatcher([narrow, wide, high, tieID])
        let fired = m.fire(text: { $0 == .user ? "xa" : "" }, task: nil)
        let value = m.value(for: fired)
        #expect(value["label"] == .string("X"))
        #expect(value["id"] == .string("b"))
        #expect(value["fired"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["b", "c", "0", "a"])
    }

    @Test func subsetPruningDropsSupersetsWithNoBetterReward() {
        let a = Predicate(view: .user, literal: "a"), b = Predicate(view: .user, literal: "b"), c = Predicate(view: .ocr, literal: "c")
        let small = rule("s", "L", reward: 0.9, [a])
        let worse = rule("w", "L", reward: 0.85, [a, b])       // superset, lower reward: removed
        let equal = rule("e", "L", reward: 0.9, [a, c])        // superset, equal reward: removed
        let better = rule("g", "L", reward: 0.95, [a, b, c])   // superset, higher reward: kept
        let other = rule("o", "M", reward: 0.5, [a, b])        // other label: kept
        let kept = MCTSMiner.prune([worse, better, small, equal, other]).map(\.id)
        #expect(kept == ["g", "s", "o"])
        #expect(MCTSMiner.prune([worse, better, small], maxRules: 1).map(\.id) == ["g"])
    }
}
