import JSONLines
import RecordKeys
import TextViews

/// Compiled rule base for `apply`: all literals of all rules go into one Aho–Corasick automaton per
/// text view, so one pass over each view finds every literal, whatever the number of rules.
///
/// Rules are indexed by one positive literal (their "anchor"): a record only evaluates the rules
/// whose anchor occurs in it, plus the few rules that have no positive literal at all. Rules are
/// kept in conflict order (`Rule.ranksBefore`), so the fired list comes out ranked and its first
/// entry is the winner.
final class RuleMatcher {
    /// Rules in conflict order.
    let rules: [Rule]
    /// For each used view: the automaton, and the global id of its literal 0 (literal ids of all
    /// views share one numbering, so per-literal tables are flat arrays).
    private var automata: [(view: TextView, automaton: AhoCorasick, base: Int32)] = []
    /// What is left to check of a rule once its anchor literal occurs, kept inline so that the
    /// rules anchored on one literal are checked from one contiguous run of memory (with
    /// 100,000 rules, ~900 are checked per record: scattered per-rule tables made that the
    /// largest cost, measured with perf).
    private struct Check {
        var rule: Int32
        /// Index into `taskIDs`, or -1 for a rule without task.
        var task: Int32
        /// One more predicate (a global literal id, negated for `not_contains`), or `Check.none`.
        var other: Int32
        /// The rule again when it has further predicates (checked through `predicates`), else -1.
        var rest: Int32
        static let none = Int32.max
    }
    /// The checks of the rules anchored on each global literal: `checks[anchorStart[l]..<anchorStart[l + 1]]`.
    private var anchorStart: [Int32] = [0]
    private var checks: [Check] = []
    /// Anchor literals seen in the current record (reused buffer).
    private var anchorsSeen: [Int32] = []
    /// Each rule's predicates: `predicates[predicateStart[r]..<predicateStart[r + 1]]`, a global
    /// literal id, bitwise negated for `not_contains`.
    private var predicateStart: [Int32] = [0], predicates: [Int32] = []
    /// Each rule's task as an index into `taskIDs`, or -1 for a rule without task.
    private var ruleTask: [Int32] = []
    private var taskIDs: [String: Int32] = [:]
    private var unanchored: [Int32] = []
    /// The generation (record number) in which each global literal was last seen.
    private var seen: [UInt32] = []
    private var generation: UInt32 = 0
    private var scratch: [UInt8] = []
    /// Each rule's `fired` entry, in conflict order, and the writer of `rules` values from them.
    private let firedRules: [RulesValue.FiredRule]
    private let writer: RulesValue.Writer

    init(_ rules: [Rule]) {
        // Sorting positions, not the rules themselves: moving 100,000 rule structs (and their
        // reference counts) took a tenth of the setup. The sort is stable, as before.
        let ranked = rules.indices.sorted { Rule.ranksBefore(rules[$0], rules[$1]) }.map { rules[$0] }
        self.rules = ranked
        firedRules = ranked.map { RulesValue.FiredRule(id: $0.id, label: $0.label, reward: $0.reward) }
        writer = RulesValue.Writer(firedRules)
        var literals: [[String: Int32]] = Array(repeating: [:], count: TextView.allCases.count)
        var lists: [[[UInt8]]] = Array(repeating: [], count: TextView.allCases.count)
        var perRule: [[(Int, Int32, Bool)]] = []
        for rule in ranked {
            var preds: [(Int, Int32, Bool)] = []
            for p in rule.predicates {
                let v = p.view.order
                let id: Int32
                if let known = literals[v][p.literal] { id = known } else {
                    id = Int32(lists[v].count); literals[v][p.literal] = id; lists[v].append(Array(p.literal.utf8))
                }
                preds.append((v, id, p.negated))
            }
            perRule.append(preds)
            if let t = rule.task {
                if taskIDs[t] == nil { taskIDs[t] = Int32(taskIDs.count) }
                ruleTask.append(taskIDs[t]!)
            } else {
                ruleTask.append(-1)
            }
        }
        // Automata for used views, in the fixed view order (never dictionary order).
        var base = [Int32](repeating: 0, count: TextView.allCases.count)
        var total: Int32 = 0
        for view in TextView.allCases where !lists[view.order].isEmpty {
            base[view.order] = total
            automata.append((view, AhoCorasick(lists[view.order]), total))
            total += Int32(lists[view.order].count)
        }
        var anchored = [[Check]](repeating: [], count: Int(total))
        for (r, preds) in perRule.enumerated() {
            let encoded = preds.map { p -> Int32 in let g = base[p.0] + p.1; return p.2 ? ~g : g }
            predicates.append(contentsOf: encoded)
            predicateStart.append(Int32(predicates.count))
            // Anchor on the positive literal with the rarest-looking (longest) text: fewer wasted checks.
            if let anchor = preds.indices.filter({ !preds[$0].2 }).max(by: { lists[preds[$0].0][Int(preds[$0].1)].count < lists[preds[$1].0][Int(preds[$1].1)].count }) {
                let others = encoded.indices.filter { $0 != anchor }.map { encoded[$0] }
                anchored[Int(encoded[anchor])].append(Check(rule: Int32(r), task: ruleTask[r], other: others.first ?? Check.none, rest: others.count > 1 ? Int32(r) : -1))
            } else {
                unanchored.append(Int32(r))
            }
        }
        for list in anchored {
            checks.append(contentsOf: list)
            anchorStart.append(Int32(checks.count))
        }
        seen = [UInt32](repeating: 0, count: Int(total))
    }

    /// Which views the rules read: callers skip building the others.
    var usedViews: [TextView] { automata.map(\.view) }

    /// The indices (into `rules`, i.e. in conflict order) of every rule that fires on a record
    /// with these text views and this task.
    func fire(text: (TextView) -> String, task: String?) -> [Int32] {
        var buffer = scratch
        defer { scratch = buffer }
        return fire(task: task) { view, scan in
            Tokenizer.normalizedUTF8(text(view), into: &buffer)
            buffer.withUnsafeBufferPointer(scan)
        }
    }

    /// As `fire(text:task:)`, on views already normalised to bytes (the `apply` hot path).
    func fire(views: TextBytes, task: String?) -> [Int32] {
        fire(task: task) { view, scan in views.withView(view, scan) }
    }

    /// The matching itself: `normalized(view, scan)` calls `scan` with the view's normalised bytes.
    private func fire(task: String?, normalized: (TextView, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) -> [Int32] {
        generation &+= 1
        if generation == 0 {  // wrapped: reset stamps so old generations cannot alias
            for i in seen.indices { seen[i] = 0 }
            generation = 1
        }
        let gen = generation
        var seenAnchors = anchorsSeen
        seenAnchors.removeAll(keepingCapacity: true)
        var stamps = seen
        seen = []  // keep the array uniquely referenced while stamping
        anchorStart.withUnsafeBufferPointer { anchorStart in
        stamps.withUnsafeMutableBufferPointer { stamps in
            for slot in automata.indices {
                let base = automata[slot].base
                normalized(automata[slot].view) { buf in
                    automata[slot].automaton.scanPresence(buf) { lit in
                        let g = Int(base + lit)
                        if stamps[g] != gen {
                            stamps[g] = gen
                            if anchorStart[g] < anchorStart[g + 1] { seenAnchors.append(Int32(g)) }
                        }
                    }
                }
            }
        }}
        // The record's task as an index into `taskIDs`; -2 (matching no task-bound rule) when
        // it has none or one no rule names.
        let taskID: Int32 = task.flatMap { taskIDs[$0] } ?? -2
        var fired: [Int32] = []
        stamps.withUnsafeBufferPointer { stamps in
        predicateStart.withUnsafeBufferPointer { predicateStart in
        predicates.withUnsafeBufferPointer { predicates in
        ruleTask.withUnsafeBufferPointer { ruleTask in
        anchorStart.withUnsafeBufferPointer { anchorStart in
        checks.withUnsafeBufferPointer { checks in
            // A literal is present when stamped in this generation; `~g` marks negation.
            @inline(__always) func holds(_ p: Int32) -> Bool { p >= 0 ? stamps[Int(p)] == gen : stamps[Int(~p)] != gen }
            @inline(__always) func allHold(_ r: Int32) -> Bool {
                for k in Int(predicateStart[Int(r)])..<Int(predicateStart[Int(r) + 1]) where !holds(predicates[k]) { return false }
                return true
            }
            for g in seenAnchors {
                for k in Int(anchorStart[Int(g)])..<Int(anchorStart[Int(g) + 1]) {
                    let c = checks[k]
                    if c.task >= 0 && c.task != taskID { continue }
                    if c.other != Check.none && !holds(c.other) { continue }
                    if c.rest >= 0 && !allHold(c.rest) { continue }
                    fired.append(c.rule)
                }
            }
            for r in unanchored {
                let t = ruleTask[Int(r)]
                if t >= 0 && t != taskID { continue }
                if allHold(r) { fired.append(r) }
            }
        }}}}}}
        seen = stamps
        anchorsSeen = seenAnchors
        fired.sort()
        return fired
    }

    /// The `rules` value for a record (`RulesValue`, docs/records.md): the winner's label, id
    /// and reward (nulls when none fired) and every fired rule in conflict order.
    func value(for fired: [Int32]) -> JSON { rulesValue(for: fired).json }

    func rulesValue(for fired: [Int32]) -> RulesValue { RulesValue(fired: fired.map { firedRules[Int($0)] }) }

    /// `value(for:)` serialised (the same bytes), appended to `out` from pieces built once.
    func serializedValue(for fired: [Int32], into out: inout [UInt8]) { writer.append(fired: fired, into: &out) }
}
