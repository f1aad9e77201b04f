import Basics
import JSONLines
import TextViews

/// Settings of `mine` (flags of the same names).
struct MineOptions: Sendable {
    var maxPredicates = 5
    var exploration = 1.0
    var minReward = 0.8
    var iterations = 600
    var rolloutDepth = 2
    var folds = 5
    var seed: UInt64 = 1
    var z = 1.0
    var views: [TextView] = [.user, .ocr]
    var maxN = 4
    var minCount = 2
    var positiveCandidates = 40
    var negativeCandidates = 15
    /// Under `--against`: the path of the model's prediction (for `source`).
    var against: String? = nil
    var maxRulesPerLabel = 0
    /// Keep rules that label no record the better rules do not already label.
    var keepRedundant = false
}

/// The paper's rule generation (§2.1) with a data-driven proposer and scorer:
///
/// - per label, a Monte Carlo Tree Search whose state is a set of predicates (the root is empty)
///   and whose action adds one candidate predicate; states are enumerated as sets (an action only
///   adds a candidate after the last one added), so each rule is one node;
/// - selection by UCT, `Q/N + c·sqrt(ln N_parent / N_child)` with `c = --exploration`; expansion
///   of one untried action in seeded random order; a random rollout of `--rollout` more
///   predicates; the value backed up is the best reward met on the path;
/// - a rule stops growing at `--max-predicates`;
/// - k-fold cross-fitting: the search runs k times, each time proposing candidates and scoring on
///   k-1 inner folds; every rule it finds is then counted on the held-out inner fold only. A rule's
///   reward is the Wilson lower bound of its pooled held-out counts, so no count in the reward
///   comes from records the rule was mined on;
/// - rules under `--min-reward` go (threshold 0.8), then subset pruning (§2.1): a rule whose
///   predicates are a superset of a kept rule's with a higher or equal reward is removed.
struct MCTSMiner {
    let corpus: Corpus
    let options: MineOptions
    /// Inner fold of each record (stratified by task and label, seeded).
    let fold: [Int]
    /// Records grouped by task: one mask per distinct task.
    private let taskMask: [String?: Bits]

    init(corpus: Corpus, options: MineOptions) {
        self.corpus = corpus
        self.options = options
        // Each (task, label) is shuffled by its own seed and dealt from fold 0.
        let strata = StratifiedSplit.strata(corpus.records.map(MCTSMiner.unitKey), seed: options.seed)
        self.fold = StratifiedSplit.folds(strata, count: corpus.records.count, folds: max(1, options.folds), numbering: .withinStratum)
        var masks: [String?: Bits] = [:]
        for (i, r) in corpus.records.enumerated() {
            if masks[r.task] == nil { masks[r.task] = Bits(count: corpus.records.count) }
            masks[r.task]!.insert(i)
        }
        taskMask = masks
    }

    /// The key of a record's (task, label) unit, for its fold and its search seed.
    static func unitKey(_ r: MiningRecord) -> String { unitKey(task: r.task, label: r.label) }
    static func unitKey(task: String?, label: String) -> String { (task ?? "\u{0}") + "\u{1}" + label }

    /// The (task, label) pairs to mine, sorted.
    var units: [(task: String?, label: String)] {
        var set = Set<[String]>()
        for r in corpus.records { set.insert([r.task ?? "", r.task == nil ? "0" : "1", r.label]) }
        return set.sorted { a, b in
            for (x, y) in zip(a, b) where x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
            return false
        }.map { ($0[1] == "1" ? $0[0] : nil, $0[2]) }
    }

    /// The records a rule for `label` should fire on: gold `label` (plain), or gold `label` with a
    /// different model prediction (`--against`: the errors it can correct).
    func positives(task: String?, label: String) -> Bits {
        var b = Bits(count: corpus.records.count)
        for (i, r) in corpus.records.enumerated() where r.task == task && r.label == label {
            if options.against != nil && r.prediction == label { continue }
            b.insert(i)
        }
        return b
    }

    /// Records where a rule for `label` would break a correct prediction (`--against` only).
    func breakable(task: String?, label: String) -> Bits {
        var b = Bits(count: corpus.records.count)
        guard options.against != nil else { return b }
        for (i, r) in corpus.records.enumerated() where r.task == task && r.label != label && r.prediction == r.label { b.insert(i) }
        return b
    }

    /// Counts of a rule (its coverage `cover`) on the records in `scope`.
    func counts(cover: Bits, scope: Bits, positives: Bits, breakable: Bits) -> Reward.Counts {
        let fired = cover & scope
        return Reward.Counts(fired: fired.count, hits: fired.intersectionCount(positives), broken: fired.intersectionCount(breakable))
    }

    /// Mines the rules of one label. Deterministic: the random choices come from a generator
    /// seeded by `--seed`, the task, the label and the inner fold, never from processing order.
    func mine(task: String?, label: String) -> [Rule] { mineWithCandidates(task: task, label: label).rules }

    /// `mine`, also returning the candidate literals (corpus indices, sorted) any of its inner
    /// searches could use, for `--candidates-out`. `searched` is called after each of the
    /// `--folds` inner searches (also one skipped for want of records), for progress.
    func mineWithCandidates(task: String?, label: String, searched: () -> Void = {}) -> (rules: [Rule], candidates: [Int]) {
        let against = options.against != nil
        let scopeAll = taskMask[task] ?? Bits(count: corpus.records.count)
        let pos = positives(task: task, label: label)
        let brk = breakable(task: task, label: label)
        // Rules found per inner fold, keyed by candidate predicates; their held-out counts pooled.
        var found: [[Int]: (counts: Reward.Counts, folds: Int)] = [:]
        var foundOrder: [[Int]] = []
        var usedLiterals = Set<Int>()
        for j in 0..<max(1, options.folds) {
            defer { searched() }
            var train = scopeAll, held = scopeAll
            if options.folds > 1 {
                var inFold = Bits(count: corpus.records.count)
                for i in scopeAll.indices where fold[i] == j { inFold.insert(i) }
                train = scopeAll.minus(inFold)
                held = inFold
            }
            let posTrain = pos & train
            let need = max(options.minCount, 1)
            if posTrain.count < need { continue }
            let actions = candidates(train: train, posTrain: posTrain, breakable: brk & train, need: need)
            if actions.isEmpty { continue }
            for a in actions { usedLiterals.insert(a >= 0 ? a : -a - 1) }
            var rng = SeededRNG(seed: options.seed ^ FNV1a.hash(MCTSMiner.unitKey(task: task, label: label).utf8) ^ (UInt64(j + 1) &* 0x9E37_79B9_7F4A_7C15))
            var search = Search(miner: self, actions: actions, train: train, posTrain: posTrain, breakable: brk & train, need: need, against: against)
            search.run(iterations: options.iterations, rng: &rng)
            for node in search.nodes where node.depth > 0 && node.reward >= options.minReward {
                let key = node.predicates.map { actions[$0] }.sorted()
                let c = counts(cover: search.cover(of: node.predicates, within: held), scope: held, positives: pos, breakable: brk)
                if var f = found[key] { f.counts += c; f.folds += 1; found[key] = f } else { found[key] = (c, 1); foundOrder.append(key) }
            }
        }
        // Score, threshold, prune.
        var rules: [Rule] = []
        var keys: [[Int]] = []
        for key in foundOrder {
            let f = found[key]!
            let reward = Rule.round4(Reward.of(f.counts, against: against, z: options.z))
            guard f.counts.fired > 0, reward >= options.minReward else { continue }
            let preds = key.map { action in
                action >= 0 ? corpus.literals[action] : { var p = corpus.literals[-action - 1]; p.negated = true; return p }()
            }
            var rule = Rule(id: Rule.contentID(label: label, task: task, predicates: preds), label: label, task: task, predicates: preds)
            rule.reward = reward
            rule.precision = Rule.round4(Double(f.counts.hits) / Double(f.counts.fired))
            rule.hits = f.counts.hits
            rule.support = f.counts.fired
            if against { rule.broken = f.counts.broken }
            rule.folds = f.folds
            rule.source = options.against.map { "mine --against \($0)" } ?? "mine"
            rules.append(rule)
            keys.append(key)
        }
        let pruned = MCTSMiner.prune(rules, maxRules: options.maxRulesPerLabel)
        let final = options.keepRedundant ? pruned : nonRedundant(pruned, keys: Dictionary(uniqueKeysWithValues: zip(rules.map(\.id), keys)), positives: pos, scope: scopeAll)
        return (final, usedLiterals.sorted())
    }

    /// Greedy cover: in conflict order, a rule stays only if it fires on some record of its label
    /// (among all mining records of the task) that no rule kept before it fires on. Alternatives
    /// that add nothing would make the rule base longer without labelling one more record.
    func nonRedundant(_ rules: [Rule], keys: [String: [Int]], positives: Bits, scope: Bits) -> [Rule] {
        var covered = Bits(count: corpus.records.count)
        var kept: [Rule] = []
        for r in rules {
            guard let key = keys[r.id] else { kept.append(r); continue }
            var c = scope
            for a in key { c = c & (a >= 0 ? corpus.cover[a] : ~corpus.cover[-a - 1]) }
            let gain = (c & positives).minus(covered)
            if gain.isEmpty { continue }
            covered = covered | gain
            kept.append(r)
        }
        return kept
    }

    /// Subset pruning (§2.1): drops a rule when a kept rule of the same label and task has a subset
    /// of its predicates and a reward at least as high (a superset fires on fewer records, so
    /// with no better reward it only adds cost). Then, with `maxRules > 0`, keeps at most that many
    /// per label, best first. Output order: conflict order.
    static func prune(_ rules: [Rule], maxRules: Int = 0) -> [Rule] {
        let ranked = rules.sorted { a, b in
            if a.predicates.count != b.predicates.count { return a.predicates.count < b.predicates.count }
            return Rule.ranksBefore(a, b)
        }
        var kept: [Rule] = []
        for r in ranked {
            let set = Set(r.predicates)
            let dominated = kept.contains { k in
                k.label == r.label && k.task == r.task && (k.reward ?? 0) >= (r.reward ?? 0) && Set(k.predicates).isSubset(of: set)
            }
            if !dominated { kept.append(r) }
        }
        kept.sort(by: Rule.ranksBefore)
        if maxRules > 0 {
            var perLabel: [String: Int] = [:]
            kept = kept.filter { r in
                let key = (r.task ?? "\u{0}") + "\u{1}" + r.label
                perLabel[key, default: 0] += 1
                return perLabel[key]! <= maxRules
            }
        }
        return kept
    }

    /// Candidate predicates for one search, as corpus literal indices: `i` for "contains literal
    /// i", `-i-1` for "does not contain". Positives: literals in at least `need` of the label's
    /// training records, the `--candidates` best by Wilson-bounded training precision. Negatives:
    /// literals absent from the label's training records that occur most in the other labels'
    /// records the positive candidates cover (the confusions a "not" can remove).
    func candidates(train: Bits, posTrain: Bits, breakable: Bits, need: Int) -> [Int] {
        // A "not" must remove at least `need` confusions: one record is an anecdote.
        let against = options.against != nil
        var scored: [(Double, Int, Int)] = []
        for (i, cover) in corpus.cover.enumerated() {
            let hits = cover.intersectionCount(posTrain)
            guard hits >= need else { continue }
            let fired = cover.intersectionCount(train)
            let c = Reward.Counts(fired: fired, hits: hits, broken: cover.intersectionCount(breakable))
            let s = against ? Reward.of(c, against: true, z: options.z) + Double(hits) * 1e-6
                            : Reward.wilsonLowerBound(hits: hits, n: fired, z: options.z)
            scored.append((s, hits, i))
        }
        scored.sort { a, b in a.0 != b.0 ? a.0 > b.0 : a.1 != b.1 ? a.1 > b.1 : a.2 < b.2 }
        let positives = scored.prefix(options.positiveCandidates).map(\.2)
        guard options.negativeCandidates > 0, !positives.isEmpty else { return positives }
        var union = Bits(count: corpus.records.count)
        for p in positives { union = union | corpus.cover[p] }
        let confused = (union & train).minus(posTrain)
        var negs: [(Int, Int)] = []
        for (i, cover) in corpus.cover.enumerated() where cover.intersectionCount(posTrain) == 0 {
            let n = cover.intersectionCount(confused)
            if n >= need { negs.append((n, i)) }
        }
        negs.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        return positives + negs.prefix(options.negativeCandidates).map { -$0.1 - 1 }
    }
}

/// One tree search (one label, one inner fold).
struct Search {
    struct Node {
        /// Indices into `actions`, increasing.
        var predicates: [Int]
        var depth: Int { predicates.count }
        /// Training records the rule fires on.
        var cover: Bits
        /// Reward on the training folds.
        var reward: Double
        var visits = 0
        var value = 0.0
        var children: [Int] = []
        /// Actions not yet expanded (nil until first needed).
        var untried: [Int]? = nil
    }

    let miner: MCTSMiner
    /// Candidate predicates (see `MCTSMiner.candidates`); positives first, so the set
    /// enumeration puts a positive literal in every rule.
    let actions: [Int]
    let train: Bits, posTrain: Bits, breakable: Bits
    let need: Int
    let against: Bool
    private(set) var nodes: [Node] = []
    private let actionCover: [Bits]
    private let firstNegative: Int

    init(miner: MCTSMiner, actions: [Int], train: Bits, posTrain: Bits, breakable: Bits, need: Int, against: Bool) {
        self.miner = miner; self.actions = actions; self.train = train; self.posTrain = posTrain
        self.breakable = breakable; self.need = need; self.against = against
        actionCover = actions.map { a in a >= 0 ? miner.corpus.cover[a] : ~miner.corpus.cover[-a - 1] }
        firstNegative = actions.firstIndex(where: { $0 < 0 }) ?? actions.count
        nodes = [Node(predicates: [], cover: train, reward: 0)]
    }

    /// The records of `scope` a rule made of these actions fires on.
    func cover(of predicates: [Int], within scope: Bits) -> Bits {
        var c = scope
        for a in predicates { c = c & actionCover[a] }
        return c
    }

    func reward(_ cover: Bits) -> Double {
        let c = Reward.Counts(fired: cover.count, hits: cover.intersectionCount(posTrain), broken: cover.intersectionCount(breakable))
        return Reward.of(c, against: against, z: miner.options.z)
    }

    /// Actions that may follow `node`: later in the order, changing its training coverage, and
    /// leaving at least `need` of the label's records covered. The root takes positives only.
    func validActions(_ node: Node) -> [Int] {
        guard node.depth < miner.options.maxPredicates else { return [] }
        let from = (node.predicates.last ?? -1) + 1
        let to = node.depth == 0 ? firstNegative : actions.count
        guard from < to else { return [] }
        var out: [Int] = []
        for a in from..<to {
            let next = node.cover & actionCover[a]
            // Useful only if it removes a record of another label (removing only the label's
            // own records lowers coverage for nothing).
            if node.cover.minus(next).minus(posTrain).isEmpty { continue }
            if next.intersectionCount(posTrain) < need { continue }
            out.append(a)
        }
        return out
    }

    mutating func run(iterations: Int, rng: inout SeededRNG) {
        let c = miner.options.exploration
        for _ in 0..<iterations {
            // Selection.
            var path = [0]
            var cur = 0
            while true {
                if nodes[cur].untried == nil { nodes[cur].untried = validActions(nodes[cur]) }
                if !nodes[cur].untried!.isEmpty || nodes[cur].children.isEmpty { break }
                let logN = log(Double(max(1, nodes[cur].visits)))
                var best = -1, bestScore = -Double.infinity
                for ch in nodes[cur].children {
                    let n = nodes[ch]
                    let score = n.value / Double(max(1, n.visits)) + c * (logN / Double(max(1, n.visits))).squareRoot()
                    if score > bestScore { bestScore = score; best = ch }
                }
                cur = best
                path.append(cur)
            }
            // Expansion.
            if !nodes[cur].untried!.isEmpty {
                let k = Int(rng.next() % UInt64(nodes[cur].untried!.count))
                let a = nodes[cur].untried!.remove(at: k)
                let cover = nodes[cur].cover & actionCover[a]
                nodes.append(Node(predicates: nodes[cur].predicates + [a], cover: cover, reward: reward(cover)))
                let child = nodes.count - 1
                nodes[cur].children.append(child)
                cur = child
                path.append(cur)
            }
            // Rollout: add random valid predicates; the value is the best reward on the way.
            var value = nodes[cur].reward
            var state = nodes[cur]
            for _ in 0..<miner.options.rolloutDepth {
                let options = validActions(state)
                if options.isEmpty { break }
                let a = options[Int(rng.next() % UInt64(options.count))]
                state.cover = state.cover & actionCover[a]
                state.predicates.append(a)
                value = max(value, reward(state.cover))
            }
            // Backpropagation.
            for i in path { nodes[i].visits += 1; nodes[i].value += value }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
