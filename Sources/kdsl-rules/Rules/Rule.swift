import Basics
import JSONLines
import TextViews
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One test a rule makes on a record (§2.1 "a state is a set of predicates"): the normalised text
/// of the view `view` contains `literal`, or does not. The task-equals predicate is the rule's `task`.
/// The rule file names the view under the key `field` (docs/records.md, "The rule file").
struct Predicate: Hashable, Comparable, Sendable {
    var view: TextView
    /// Already normalised with `Tokenizer.normalize`, so it matches normalised text.
    var literal: String
    /// `true` for `not_contains`.
    var negated: Bool

    init(view: TextView, literal: String, negated: Bool = false) {
        self.view = view
        self.literal = Tokenizer.normalize(literal)
        self.negated = negated
    }

    static func < (a: Predicate, b: Predicate) -> Bool {
        if a.negated != b.negated { return !a.negated }
        if a.view != b.view { return a.view.order < b.view.order }
        return a.literal.utf8.lexicographicallyPrecedes(b.literal.utf8)
    }

    var json: JSON {
        .object([("field", .string(view.rawValue)), (negated ? "not_contains" : "contains", .string(literal))])
    }

    /// In words, for `show`: `user contains "怎么用"`, `agent does not contain "退款"`. The literal
    /// is quoted as in JSON: its spaces matter, and an escape keeps it on one line.
    var words: String { "\(view.rawValue) \(negated ? "does not contain" : "contains") \(quotedForDisplay(literal))" }

    /// In symbols, for `show --format symbols`: `user ∋ "怎么用"`, `agent ∌ "退款"`.
    var symbols: String { "\(view.rawValue) \(negated ? "∌" : "∋") \(quotedForDisplay(literal))" }
}

extension TextView {
    /// A fixed order for sorting (never the enum's hash): `ordinal`.
    var order: Int { ordinal }
}

/// One rule of the rule base: if every predicate holds (and the record's task is `task`, when
/// set), the record gets `label`. Statistics are optional: a hand-written rule may have none.
struct Rule: Sendable, Equatable {
    var id: String
    var label: String
    var task: String?
    /// Sorted, duplicates removed.
    var predicates: [Predicate]
    /// Wilson lower bound of precision on validation records (or of fixes among changes under
    /// `--against`); nil for a rule nobody scored.
    var reward: Double?
    /// hits / support on validation records.
    var precision: Double?
    /// Validation records the rule was right on (or corrections made, under `--against`).
    var hits: Int?
    /// Validation records the rule fired on.
    var support: Int?
    /// Under `--against`: correct model predictions the rule would break.
    var broken: Int?
    /// Inner cross-fitting runs that found the rule.
    var folds: Int?
    /// How the rule was made: `mine`, `mine --against model.label`, `hand`...
    var source: String?
    /// Keys a person added (e.g. `note`), kept in order.
    var extra: [(String, JSON)] = []

    static func == (a: Rule, b: Rule) -> Bool { a.json == b.json }

    init(id: String, label: String, task: String?, predicates: [Predicate]) {
        self.id = id; self.label = label; self.task = task
        self.predicates = Array(Set(predicates)).sorted()
    }

    /// A stable id from the content: the same rule gets the same id in every run and every file,
    /// so rule bases diff well. FNV-1a 64 of label, task and predicates, 10 hex digits.
    static func contentID(label: String, task: String?, predicates: [Predicate]) -> String {
        // Each string ends with byte 0xFF, which UTF-8 never holds: ("ab", "c") and ("a", "bc") differ.
        var h = FNV1a.offset
        func eat(_ s: String) { h = FNV1a.step(FNV1a.hash(s.utf8, from: h), 0xFF) }
        eat(label); eat(task ?? "\u{0}")
        for p in Array(Set(predicates)).sorted() { eat(p.view.rawValue); eat(p.negated ? "-" : "+"); eat(p.literal) }
        let hex = String(h, radix: 16)
        return "r" + String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(10))
    }

    /// Rounded to 4 decimals for people and diffs; the ranking uses the same rounded value, so
    /// applying a file gives the same result as applying the in-memory rules.
    static func round4(_ x: Double) -> Double { Decimals.rounded(x, places: 4) }

    var json: JSON {
        var m: [(String, JSON)] = [("id", .string(id)), ("label", .string(label))]
        if let task { m.append(("task", .string(task))) }
        m.append(("when", .array(predicates.map(\.json))))
        if let reward { m.append(("reward", .double(reward))) }
        if let precision { m.append(("precision", .double(precision))) }
        if let hits { m.append(("hits", .int(Int64(hits)))) }
        if let support { m.append(("support", .int(Int64(support)))) }
        if let broken { m.append(("broken", .int(Int64(broken)))) }
        if let folds { m.append(("folds", .int(Int64(folds)))) }
        if let source { m.append(("source", .string(source))) }
        m.append(contentsOf: extra)
        return .object(m)
    }

    /// The rule as a sentence for people (`show`): `IF user contains "退款" AND ocr does not
    /// contain "已签收" THEN label = 退款`. The task is not in it: `show` prints it in a column.
    var sentence: String {
        "IF " + predicates.map(\.words).joined(separator: " AND ") + " THEN label = " + RuleReport.plain(label)
    }

    /// The key the conflict policy sorts by (docs/records.md, "Conflicts"): highest
    /// reward first (a rule without reward, written by a person, ranks above every scored rule),
    /// then larger support, then id in byte order.
    static func ranksBefore(_ a: Rule, _ b: Rule) -> Bool {
        let ra = a.reward ?? .infinity, rb = b.reward ?? .infinity
        if ra != rb { return ra > rb }
        let sa = a.support ?? 0, sb = b.support ?? 0
        if sa != sb { return sa > sb }
        return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }
}

/// A problem in a rule file, with its line.
struct RuleFileProblem: CustomStringConvertible {
    var file: String?
    var line: Int
    var message: String
    var description: String { "\(SourceLocation(file: file, line: line)): \(message)" }
}

/// A rule base: the rules of one JSON Lines file, in file order.
struct RuleSet {
    var rules: [Rule]

    /// The rule file's format (the keys below, as docs/records.md describes them), printed by
    /// `--version`. Files carry no version of their own (a line is one rule, nothing else): this
    /// number goes up when a key is added or changes meaning.
    static let formatVersion = 1

    static let knownKeys: Set<String> = ["id", "label", "task", "when", "reward", "precision", "hits", "support", "broken", "folds", "source"]

    /// Parses a rule file. Every problem is collected with its line (so `check` can list them all);
    /// blank lines are skipped. Ids absent from a line get the content id.
    static func parse(bytesOf path: String) throws -> (RuleSet, [RuleFileProblem]) {
        // A rule file is read whole before any record: a FIFO or a device is refused by name.
        if path != "-", let why = RegularFile.check(path) { throw SetupError("\(path): \(why)") }
        var rules: [Rule] = []
        var problems: [RuleFileProblem] = []
        var seen: [String: Int] = [:]
        try RecordReader.forEachLine([path]) { bytes, location in
            let number = location.line
            do {
                let json = try JSON.parse(bytes)
                let rule = try Rule(json: json)
                if let first = seen[rule.id] {
                    throw RecordError("duplicate id \(JSON.string(rule.id).serialized) (first on line \(first))")
                }
                seen[rule.id] = number
                rules.append(rule)
            } catch let e as RecordError {
                problems.append(RuleFileProblem(file: location.file, line: number, message: e.message))
            }
        }
        return (RuleSet(rules: rules), problems)
    }

    /// Loads a rule file for `apply`/`validate`: any problem is a setup error (exit 2), reported
    /// with its line; an empty file is allowed with a warning (nothing can fire).
    static func load(_ path: String) throws -> RuleSet {
        let (set, problems) = try parse(bytesOf: path)
        if !problems.isEmpty {
            for p in problems.dropLast() { Diagnostics.shared.emit(p.description) }
            throw SetupError(problems.last!.description + (problems.count > 1 ? " (\(problems.count) problems in the rule file)" : ""))
        }
        if set.rules.isEmpty { Diagnostics.shared.warning("\(path): no rules; no record will get a rule label") }
        return set
    }

    /// The rules as JSON Lines.
    var jsonLines: [UInt8] {
        var out: [UInt8] = []
        for r in rules { r.json.serialize(into: &out); out.append(0x0A) }
        return out
    }
}

extension Rule {
    /// Reads one rule object; throws `RecordError` naming what is wrong.
    init(json: JSON) throws {
        guard case .object(let members) = json else { throw RecordError("expected a rule object, got \(json.kindName)") }
        func string(_ key: String, required: Bool) throws -> String? {
            guard let v = json[key], !v.isNull else {
                if required { throw RecordError("missing \"\(key)\"") }
                return nil
            }
            guard let s = v.stringValue else { throw RecordError("\"\(key)\" must be a string, got \(v.kindName)") }
            if s.isEmpty { throw RecordError("\"\(key)\" is empty") }
            return s
        }
        func number(_ key: String) throws -> Double? {
            guard let v = json[key], !v.isNull else { return nil }
            guard let d = v.doubleValue else { throw RecordError("\"\(key)\" must be a number, got \(v.kindName)") }
            return d
        }
        func count(_ key: String) throws -> Int? {
            guard let d = try number(key) else { return nil }
            guard d >= 0, d == d.rounded(), d < 1e15 else { throw RecordError("\"\(key)\" must be a count, got \(d)") }
            return Int(d)
        }
        let label = try string("label", required: true)!
        let task = try string("task", required: false)
        guard let whenJSON = json["when"] else { throw RecordError("missing \"when\" (the list of predicates)") }
        guard let items = whenJSON.arrayValue else { throw RecordError("\"when\" must be an array, got \(whenJSON.kindName)") }
        if items.isEmpty { throw RecordError("\"when\" is empty: a rule needs at least one predicate") }
        var predicates: [Predicate] = []
        for (i, item) in items.enumerated() {
            let at = "predicate \(i + 1)"
            guard case .object(let pm) = item else { throw RecordError("\(at): expected an object, got \(item.kindName)") }
            for (k, _) in pm where !["field", "contains", "not_contains"].contains(k) {
                throw RecordError("\(at): unknown key \"\(k)\" (expected field, contains or not_contains)")
            }
            guard let viewName = item["field"]?.stringValue else { throw RecordError("\(at): missing \"field\" (\(TextView.names))") }
            guard let view = TextView(rawValue: viewName) else {
                throw RecordError("\(at): unknown field \(JSON.string(viewName).serialized) (expected \(TextView.names))")
            }
            let pos = item["contains"], neg = item["not_contains"]
            if (pos == nil) == (neg == nil) { throw RecordError("\(at): needs exactly one of \"contains\" or \"not_contains\"") }
            guard let literal = (pos ?? neg)!.stringValue else { throw RecordError("\(at): the literal must be a string") }
            let p = Predicate(view: view, literal: literal, negated: neg != nil)
            if p.literal.isEmpty { throw RecordError("\(at): the literal is empty") }
            predicates.append(p)
        }
        let id = try string("id", required: false) ?? Rule.contentID(label: label, task: task, predicates: predicates)
        self.init(id: id, label: label, task: task, predicates: predicates)
        reward = try number("reward")
        if let r = reward, !(0...1).contains(r) { throw RecordError("\"reward\" must be in [0, 1], got \(r)") }
        precision = try number("precision")
        hits = try count("hits")
        support = try count("support")
        broken = try count("broken")
        folds = try count("folds")
        source = try string("source", required: false)
        extra = members.filter { !RuleSet.knownKeys.contains($0.0) }
    }
}

