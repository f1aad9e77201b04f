import Shared

/// Compiled rule base for `apply`: all literals of all rules go into one Aho–Corasick automaton per
/// text field, so one pass over each field finds every literal, whatever the number of rules.
///
/// Rules are indexed by one positive literal (their "anchor"): a record only evaluates the rules
/// whose anchor occurs in it, plus the few rules that have no positive literal at all. Rules are
/// kept in conflict order (`Rule.ranksBefore`), so the fired list comes out ranked and its first
/// entry is the winner.
final class RuleMatcher {
    /// Rules in conflict order.
    let rules: [Rule]
    /// For each used field: the automaton, and the global id of its literal 0 (literal ids of all
    /// fields share one numbering, so per-literal tables are flat arrays).
    private var automata: [(field: TextField, automaton: AhoCorasick, base: Int32)] = []
    /// Rules anchored on each global literal: `anchorRules[anchorStart[l]..<anchorStart[l + 1]]`.
    private var anchorStart: [Int32] = [0], anchorRules: [Int32] = []
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
    private var hitRules: [Int32] = []
    private var scratch: [UInt8] = []
    /// The JSON of each rule's `fired` entry, built once.
    let firedJSON: [JSON]
    /// `firedJSON` serialised, and the start of the `rules` value when the rule wins
    /// (`{"label":…,"id":…,"reward":…,"fired":[`): the output is copied, not built per record.
    private let firedBytes: [[UInt8]], winnerBytes: [[UInt8]]
    private let noneBytes: [UInt8]

    init(_ rules: [Rule]) {
        let ranked = rules.sorted(by: Rule.ranksBefore)
        self.rules = ranked
        firedJSON = ranked.map { .object([("id", .string($0.id)), ("label", .string($0.label)), ("reward", $0.reward.map(JSON.double) ?? .null)]) }
        firedBytes = firedJSON.map { var b: [UInt8] = []; $0.serialize(into: &b); return b }
        winnerBytes = ranked.map { w in
            var b: [UInt8] = []
            JSON.object([("label", .string(w.label)), ("id", .string(w.id)), ("reward", w.reward.map(JSON.double) ?? .null), ("fired", .array([]))]).serialize(into: &b)
            b.removeLast(2)  // "]}": the fired entries go in between
            return b
        }
        var none: [UInt8] = []
        RuleMatcher.noneValue.serialize(into: &none)
        noneBytes = none
        var literals: [[String: Int32]] = Array(repeating: [:], count: 4)
        var lists: [[[UInt8]]] = Array(repeating: [], count: 4)
        var perRule: [[(Int, Int32, Bool)]] = []
        for rule in ranked {
            var preds: [(Int, Int32, Bool)] = []
            for p in rule.predicates {
                let f = p.field.order
                let id: Int32
                if let known = literals[f][p.literal] { id = known } else {
                    id = Int32(lists[f].count); literals[f][p.literal] = id; lists[f].append(Array(p.literal.utf8))
                }
                preds.append((f, id, p.negated))
            }
            perRule.append(preds)
            if let t = rule.task {
                if taskIDs[t] == nil { taskIDs[t] = Int32(taskIDs.count) }
                ruleTask.append(taskIDs[t]!)
            } else {
                ruleTask.append(-1)
            }
        }
        // Automata for used fields, in the fixed field order (never dictionary order).
        var base = [Int32](repeating: 0, count: 4)
        var total: Int32 = 0
        for field in TextField.allCases where !lists[field.order].isEmpty {
            base[field.order] = total
            automata.append((field, AhoCorasick(lists[field.order]), total))
            total += Int32(lists[field.order].count)
        }
        var anchored = [[Int32]](repeating: [], count: Int(total))
        for (r, preds) in perRule.enumerated() {
            for p in preds {
                let g = base[p.0] + p.1
                predicates.append(p.2 ? ~g : g)
            }
            predicateStart.append(Int32(predicates.count))
            // Anchor on the positive literal with the rarest-looking (longest) text: fewer wasted checks.
            if let anchor = preds.filter({ !$0.2 }).max(by: { lists[$0.0][Int($0.1)].count < lists[$1.0][Int($1.1)].count }) {
                anchored[Int(base[anchor.0] + anchor.1)].append(Int32(r))
            } else {
                unanchored.append(Int32(r))
            }
        }
        for list in anchored {
            anchorRules.append(contentsOf: list)
            anchorStart.append(Int32(anchorRules.count))
        }
        seen = [UInt32](repeating: 0, count: Int(total))
    }

    /// Which fields the rules read: callers skip building the others.
    var usedFields: [TextField] { automata.map(\.field) }

    /// The indices (into `rules`, i.e. in conflict order) of every rule that fires on a record
    /// with these text views and this task.
    func fire(text: (TextField) -> String, task: String?) -> [Int32] {
        var buffer = scratch
        defer { scratch = buffer }
        return fire(task: task) { field, scan in
            Tokenizer.normalizedUTF8(text(field), into: &buffer)
            buffer.withUnsafeBufferPointer(scan)
        }
    }

    /// As `fire(text:task:)`, on views already normalised to bytes (the `apply` hot path).
    func fire(views: TextBytes, task: String?) -> [Int32] {
        fire(task: task) { field, scan in views.withView(field, scan) }
    }

    /// The matching itself: `normalized(field, scan)` calls `scan` with the field's normalised bytes.
    private func fire(task: String?, normalized: (TextField, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) -> [Int32] {
        generation &+= 1
        if generation == 0 {  // wrapped: reset stamps so old generations cannot alias
            for i in seen.indices { seen[i] = 0 }
            generation = 1
        }
        let gen = generation
        var hits = hitRules
        hits.removeAll(keepingCapacity: true)
        var stamps = seen
        seen = []  // keep the array uniquely referenced while stamping
        let anchorStart = self.anchorStart, anchorRules = self.anchorRules
        anchorStart.withUnsafeBufferPointer { anchorStart in
        anchorRules.withUnsafeBufferPointer { anchorRules in
        stamps.withUnsafeMutableBufferPointer { stamps in
            for slot in automata.indices {
                let base = automata[slot].base
                normalized(automata[slot].field) { buf in
                    automata[slot].automaton.scan(buf) { lit in
                        let g = Int(base + lit)
                        if stamps[g] != gen {
                            stamps[g] = gen
                            let a = Int(anchorStart[g]), z = Int(anchorStart[g + 1])
                            if a < z { hits.append(contentsOf: UnsafeBufferPointer(rebasing: anchorRules[a..<z])) }
                        }
                    }
                }
            }
        }}}
        hits.append(contentsOf: unanchored)
        // The record's task as an index into `taskIDs`; -2 (matching no task-bound rule) when
        // it has none or one no rule names.
        let taskID: Int32 = task.flatMap { taskIDs[$0] } ?? -2
        var fired: [Int32] = []
        stamps.withUnsafeBufferPointer { stamps in
        predicateStart.withUnsafeBufferPointer { predicateStart in
        predicates.withUnsafeBufferPointer { predicates in
        ruleTask.withUnsafeBufferPointer { ruleTask in
            for r in hits {
                let t = ruleTask[Int(r)]
                if t >= 0 && t != taskID { continue }
                var ok = true
                for k in Int(predicateStart[Int(r)])..<Int(predicateStart[Int(r) + 1]) {
                    let p = predicates[k]
                    // A literal is present when stamped in this generation; `~g` marks negation.
                    if p >= 0 ? stamps[Int(p)] != gen : stamps[Int(~p)] == gen { ok = false; break }
                }
                if ok { fired.append(r) }
            }
        }}}}
        seen = stamps
        hitRules = hits
        fired.sort()
        return fired
    }

    static let noneValue = JSON.object([("label", .null), ("id", .null), ("reward", .null), ("fired", .array([]))])

    /// The `rules` value for a record (docs/records.md): the winner's label, id and
    /// reward (nulls when none fired) and every fired rule in conflict order.
    func value(for fired: [Int32]) -> JSON {
        guard let first = fired.first else { return RuleMatcher.noneValue }
        let w = rules[Int(first)]
        return .object([("label", .string(w.label)), ("id", .string(w.id)), ("reward", w.reward.map(JSON.double) ?? .null),
                        ("fired", .array(fired.map { firedJSON[Int($0)] }))])
    }

    /// `value(for:)` serialised (the same bytes), appended to `out` from pieces built once.
    func serializedValue(for fired: [Int32], into out: inout [UInt8]) {
        guard let first = fired.first else { out.append(contentsOf: noneBytes); return }
        out.append(contentsOf: winnerBytes[Int(first)])
        for (i, r) in fired.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: firedBytes[Int(r)])
        }
        out.append(0x5D); out.append(0x7D)
    }
}
