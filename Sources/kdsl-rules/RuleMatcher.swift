import Shared

/// Compiled rule base for `apply`: all literals of all rules go into one Aho–Corasick automaton per
/// text field, so one pass over each field finds every literal, whatever the number of rules.
///
/// Rules are indexed by one positive literal (their "anchor"): a record only evaluates the rules
/// whose anchor occurs in it, plus the few rules that have no positive literal at all. Rules are
/// kept in conflict order (`Rule.ranksBefore`), so the fired list comes out ranked and its first
/// entry is the winner.
struct RuleMatcher {
    /// Rules in conflict order.
    let rules: [Rule]
    /// For each used field: the automaton and, per literal id, the rules anchored on it.
    private var automata: [(field: TextField, automaton: AhoCorasick, anchored: [[Int32]])] = []
    /// Index into `automata` for each field's `order`, or -1.
    private var fieldSlot = [Int](repeating: -1, count: 4)
    /// Per rule: its predicates as (slot, literal id, negated).
    private var compiled: [[(slot: Int, literal: Int32, negated: Bool)]] = []
    private var unanchored: [Int32] = []
    /// Per slot, the generation (record number) in which each literal was last seen.
    private var seen: [[UInt32]] = []
    private var generation: UInt32 = 0
    private var hitRules: [Int32] = []
    private var scratch: [UInt8] = []
    /// The JSON of each rule's `fired` entry, built once.
    let firedJSON: [JSON]

    init(_ rules: [Rule]) {
        let ranked = rules.sorted(by: Rule.ranksBefore)
        self.rules = ranked
        firedJSON = ranked.map { .object([("id", .string($0.id)), ("label", .string($0.label)), ("reward", $0.reward.map(JSON.double) ?? .null)]) }
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
        }
        // Slots for used fields, in the fixed field order (never dictionary order).
        for field in TextField.allCases where !lists[field.order].isEmpty {
            fieldSlot[field.order] = automata.count
            automata.append((field, AhoCorasick(lists[field.order]), Array(repeating: [], count: lists[field.order].count)))
        }
        let slots = fieldSlot
        for (r, preds) in perRule.enumerated() {
            let c = preds.map { (slot: slots[$0.0], literal: $0.1, negated: $0.2) }
            compiled.append(c)
            // Anchor on the positive literal with the rarest-looking (longest) text: fewer wasted checks.
            if let anchor = preds.filter({ !$0.2 }).max(by: { lists[$0.0][Int($0.1)].count < lists[$1.0][Int($1.1)].count }) {
                automata[slots[anchor.0]].anchored[Int(anchor.1)].append(Int32(r))
            } else {
                unanchored.append(Int32(r))
            }
        }
        seen = automata.map { [UInt32](repeating: 0, count: $0.anchored.count) }
    }

    /// Which fields the rules read: callers skip building the others.
    var usedFields: [TextField] { automata.map(\.field) }

    /// The indices (into `rules`, i.e. in conflict order) of every rule that fires on a record
    /// with these text views and this task.
    mutating func fire(text: (TextField) -> String, task: String?) -> [Int32] {
        var buffer = scratch
        defer { scratch = buffer }
        return fire(task: task) { field, scan in
            Tokenizer.normalizedUTF8(text(field), into: &buffer)
            buffer.withUnsafeBufferPointer(scan)
        }
    }

    /// As `fire(text:task:)`, on views already normalised to bytes (the `apply` hot path).
    mutating func fire(views: TextBytes, task: String?) -> [Int32] {
        fire(task: task) { field, scan in views.withView(field, scan) }
    }

    /// The matching itself: `normalized(field, scan)` calls `scan` with the field's normalised bytes.
    private mutating func fire(task: String?, normalized: (TextField, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) -> [Int32] {
        generation &+= 1
        if generation == 0 {  // wrapped: reset stamps so old generations cannot alias
            for i in seen.indices { for j in seen[i].indices { seen[i][j] = 0 } }
            generation = 1
        }
        let gen = generation
        var hits = hitRules
        hits.removeAll(keepingCapacity: true)
        for slot in automata.indices {
            let automaton = automata[slot].automaton
            let anchored = automata[slot].anchored
            var stamps = seen[slot]
            seen[slot] = []  // keep the array uniquely referenced while stamping
            normalized(automata[slot].field) { buf in
                stamps.withUnsafeMutableBufferPointer { stamps in
                    automaton.scan(buf) { lit in
                        if stamps[Int(lit)] != gen {
                            stamps[Int(lit)] = gen
                            hits.append(contentsOf: anchored[Int(lit)])
                        }
                    }
                }
            }
            seen[slot] = stamps
        }
        hits.append(contentsOf: unanchored)
        hitRules = hits
        var fired: [Int32] = []
        for r in hits {
            let rule = rules[Int(r)]
            if let t = rule.task, t != task { continue }
            var ok = true
            for p in compiled[Int(r)] {
                let present = seen[p.slot][Int(p.literal)] == gen
                if present == p.negated { ok = false; break }
            }
            if ok { fired.append(r) }
        }
        fired.sort()
        return fired
    }

    /// The `rules` value for a record (docs/records.md): the winner's label, id and
    /// reward (nulls when none fired) and every fired rule in conflict order.
    func value(for fired: [Int32]) -> JSON {
        guard let first = fired.first else {
            return .object([("label", .null), ("id", .null), ("reward", .null), ("fired", .array([]))])
        }
        let w = rules[Int(first)]
        return .object([("label", .string(w.label)), ("id", .string(w.id)), ("reward", w.reward.map(JSON.double) ?? .null),
                        ("fired", .array(fired.map { firedJSON[Int($0)] }))])
    }
}
