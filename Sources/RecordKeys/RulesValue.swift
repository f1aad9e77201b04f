import JSONLines

/// The `rules` key kdsl-rules apply writes: `{"label", "id", "reward", "fired": [{"id", "label",
/// "reward"}]}`, the winning rule's label, id and reward (nulls when none fired) and every fired
/// rule in conflict order (the winner first).
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

    /// The value for these fired rules, in conflict order.
    public init(fired: [FiredRule]) {
        self.label = fired.first?.label
        self.id = fired.first?.id
        self.reward = fired.first?.reward
        self.fired = fired
    }

    /// No rule fired.
    public static let none = RulesValue(fired: [])

    public var json: JSON {
        .object([("label", .string(orNull: label)), ("id", .string(orNull: id)), ("reward", reward.map(JSON.double) ?? .null),
                 ("fired", .array(fired.map(\.json)))])
    }

    /// Decodes a `rules` value. Only `label` is needed: a hand-made verdict `{"label": "x"}` is
    /// one; `id`, `reward` and `fired` are read when present. `path` names the key in messages.
    public init(json: JSON, at path: FieldPath) throws {
        guard case .object = json else { throw RecordError("'\(path)' is \(json.kindName), expected an object") }
        label = try KeyDecoding.nullableString(json["label"], "\(path).label")
        id = json["id"]?.stringValue
        reward = try KeyDecoding.number(json["reward"], "\(path).reward")
        fired = []
        if let list = json["fired"], !list.isNull {
            guard let entries = list.arrayValue else { throw RecordError("'\(path).fired' is \(list.kindName), expected an array") }
            for (i, e) in entries.enumerated() {
                guard let id = e["id"]?.stringValue, let label = e["label"]?.stringValue else {
                    throw RecordError("'\(path).fired[\(i)]' is not a fired rule (an object with string id and label)")
                }
                fired.append(FiredRule(id: id, label: label, reward: try KeyDecoding.number(e["reward"], "\(path).fired[\(i)].reward")))
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
}
