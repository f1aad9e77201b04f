import JSONLines

/// The `rules` key kdsl-rules apply writes: `{"label", "id", "reward", "fired": [{"id", "label",
/// "reward"}]}`, the winning rule's label, id and reward (nulls when none fired) and every fired
/// rule in conflict order (the winner first); with `--explain` also `"explain"`, the winner's
/// conditions with what each saw.
public struct RulesValue: Sendable, Equatable {
    public static let key = "rules"

    /// One fired rule. `reward` is nil for a rule never scored (written by a person).
    public struct FiredRule: Sendable, Equatable {
        public var id: String
        public var label: String
        public var reward: Double?
        public init(id: String, label: String, reward: Double?) {
            self.id = id
            self.label = label
            self.reward = reward
        }

        public var json: JSON { .object([("id", .string(id)), ("label", .string(label)), ("reward", reward.map(JSON.double) ?? .null)]) }
    }

    /// The winner's label, or nil when no rule fired.
    public var label: String?
    public var id: String?
    public var reward: Double?
    public var fired: [FiredRule]
    /// `--explain`: the winning rule's conditions, in its order; nil when not asked (and when no
    /// rule fired, `[]`).
    public var explain: [Condition]?

    /// One condition of the winning rule as the record met it: `{"field", "contains": literal,
    /// "context"}` with the text around the literal's first occurrence in the view (normalised,
    /// as rules match it), or `{"field", "not_contains": literal}`.
    public struct Condition: Sendable, Equatable {
        public var field: String
        public var literal: String
        public var negated: Bool
        public var context: String?
        public init(field: String, literal: String, negated: Bool, context: String?) {
            self.field = field
            self.literal = literal
            self.negated = negated
            self.context = context
        }

        public var json: JSON {
            var members: [(String, JSON)] = [("field", .string(field)), (negated ? "not_contains" : "contains", .string(literal))]
            if let context { members.append(("context", .string(context))) }
            return .object(members)
        }

        /// Up to `around` characters of `text` either side of the first occurrence of `literal`,
        /// each line break (`\n`, `\r\n`, `\r`, U+2028...) one space, with "…" where the text goes
        /// on; nil when `literal` does not occur.
        ///
        /// Rules match bytes, so a literal can match inside a grapheme cluster (`cafe` in a
        /// decomposed `café`, one person of a family emoji) where a search by Character finds
        /// nothing; the text is then searched by Unicode scalar, and `around` counts scalars.
        public static func context(of literal: String, in text: String, around: Int = 12) -> String? {
            if literal.isEmpty { return "" }
            if let range = text.firstRange(of: literal) {
                let start = text.index(range.lowerBound, offsetBy: -around, limitedBy: text.startIndex) ?? text.startIndex
                let end = text.index(range.upperBound, offsetBy: around, limitedBy: text.endIndex) ?? text.endIndex
                let line = String(text[start..<end].map { $0.isNewline ? " " : $0 })
                return (start > text.startIndex ? "…" : "") + line + (end < text.endIndex ? "…" : "")
            }
            let scalars = text.unicodeScalars
            guard let range = scalars.firstRange(of: literal.unicodeScalars) else { return nil }
            let start = scalars.index(range.lowerBound, offsetBy: -around, limitedBy: scalars.startIndex) ?? scalars.startIndex
            let end = scalars.index(range.upperBound, offsetBy: around, limitedBy: scalars.endIndex) ?? scalars.endIndex
            var line = String.UnicodeScalarView()
            var previousCR = false
            for s in scalars[start..<end] {
                // "\r\n" is one break, as it is one Character above.
                if s == "\n" && previousCR { previousCR = false; continue }
                previousCR = s == "\r"
                line.append(Character(s).isNewline ? " " : s)
            }
            return (start > scalars.startIndex ? "…" : "") + String(line) + (end < scalars.endIndex ? "…" : "")
        }
    }

    /// The value for these fired rules, in conflict order.
    public init(fired: [FiredRule]) {
        self.label = fired.first?.label
        self.id = fired.first?.id
        self.reward = fired.first?.reward
        self.fired = fired
        self.explain = nil
    }

    /// No rule fired.
    public static let none = RulesValue(fired: [])

    public var json: JSON {
        var members: [(String, JSON)] = [("label", .string(orNull: label)), ("id", .string(orNull: id)),
                                         ("reward", reward.map(JSON.double) ?? .null), ("fired", .array(fired.map(\.json)))]
        if let explain { members.append(("explain", .array(explain.map(\.json)))) }
        return .object(members)
    }

    /// Decodes a `rules` value. Only `label` is needed: a hand-made verdict `{"label": "x"}` is
    /// one; `id`, `reward` and `fired` are read when present. `path` names the key in messages.
    public init(json: JSON, at path: FieldPath) throws {
        guard case .object = json else { throw RecordError("'\(path)' is \(json.kindName), expected an object") }
        label = try KeyDecoding.nullableString(json["label"], "\(path).label")
        id = json["id"]?.stringValue
        reward = try KeyDecoding.probability(json["reward"], "\(path).reward")
        explain = nil
        fired = []
        if let list = json["fired"], !list.isNull {
            guard let entries = list.arrayValue else { throw RecordError("'\(path).fired' is \(list.kindName), expected an array") }
            for (i, e) in entries.enumerated() {
                guard let id = e["id"]?.stringValue, let label = e["label"]?.stringValue else {
                    throw RecordError("'\(path).fired[\(i)]' is not a fired rule (an object with string id and label)")
                }
                fired.append(FiredRule(id: id, label: label, reward: try KeyDecoding.probability(e["reward"], "\(path).fired[\(i)].reward")))
            }
        }
    }

    /// Writes the bytes of `RulesValue(fired:).json.serialize` for any subset of a fixed rule
    /// list, from pieces serialised once (apply writes one per record: no JSON tree, no String).
    public struct Writer: Sendable {
        private let firedBytes: [[UInt8]], winnerBytes: [[UInt8]], noneBytes: [UInt8]

        /// `rules` in the order `append`'s indices refer to.
        public init(_ rules: [FiredRule]) {
            firedBytes = rules.map { var b: [UInt8] = []; $0.json.serialize(into: &b); return b }
            winnerBytes = rules.map { w in
                var winner = RulesValue(fired: [w])
                winner.fired = []
                var b: [UInt8] = []
                winner.json.serialize(into: &b)
                b.removeLast(2)  // "]}": the fired entries go in between
                return b
            }
            var none: [UInt8] = []
            RulesValue.none.json.serialize(into: &none)
            noneBytes = none
        }

        /// Appends the value for the rules at `fired` (indices into the list, conflict order).
        public func append(fired: [Int32], into out: inout [UInt8]) {
            guard let first = fired.first else { out.append(contentsOf: noneBytes); return }
            out.append(contentsOf: winnerBytes[Int(first)])
            for (i, r) in fired.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: firedBytes[Int(r)])
            }
            out.append(UInt8(ascii: "]")); out.append(UInt8(ascii: "}"))
        }
    }
}

/// The checks the decoders share.
enum KeyDecoding {
    /// A string, or nil for absent or null.
    static func nullableString(_ value: JSON?, _ name: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw RecordError("'\(name)' is \(other.kindName), expected a string or null")
        }
    }

    /// A number, or nil for absent or null.
    static func number(_ value: JSON?, _ name: String) throws -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let d = value.doubleValue else { throw RecordError("'\(name)' is \(value.kindName), expected a number") }
        return d
    }

    /// A number in [0, 1] (a probability, a rule's reward), or nil when absent or null; a number
    /// outside it is as bad as a string there: kdsl-merge would compare it with its thresholds.
    static func probability(_ value: JSON?, _ name: String) throws -> Double? {
        guard let d = try number(value, name) else { return nil }
        guard (0...1).contains(d) else { throw RecordError("'\(name)' is \(value!.serialized), expected a number in [0, 1]") }
        return d
    }
}
