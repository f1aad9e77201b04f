import Basics
import JSONLines

/// The `model` key kdsl-model predict and cv write: `{"label", "p", "top": [[label, p], ...]}`
/// (with `--explain` also `"explain": [feature, ...]`), or for a record whose task the model has
/// no head for `{"label": null, "p": 0, "top": [], "reason"}`. Probabilities carry `places` decimals.
public struct ModelValue: Sendable, Equatable {
    public static let key = "model"
    /// Decimals of `p`: enough to rank and threshold, and the same bytes on every machine.
    public static let places = 4

    public var label: String?
    public var p: Double?
    public var top: [(label: String, p: Double)]
    public var reason: String?
    /// `--explain`: the features the label rests on, largest effect first; nil when not asked.
    public var explain: [Feature]?

    /// One feature behind a label: `{"view", "kind", "text", "effect"}`, where `effect` is how
    /// far the label's probability falls without it.
    public struct Feature: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// A word, a CJK character, or a line of the `lines` view.
            case word
            /// A run of words (or lines) of order 2 or more.
            case ngram
            /// A character n-gram of a word, with `<` and `>` marking its ends.
            case chars
            /// The record's task.
            case task
            /// The image block (pixel summary, gradients, layout numbers), as one.
            case dense
        }
        public var view: String
        public var kind: Kind
        public var text: String
        public var effect: Double
        public init(view: String, kind: Kind, text: String, effect: Double) {
            self.view = view
            self.kind = kind
            self.text = text
            self.effect = effect
        }

        public var json: JSON {
            .object([("view", .string(view)), ("kind", .string(kind.rawValue)), ("text", .string(text)), ("effect", .double(effect))])
        }
    }

    /// A prediction: the label, its probability, and the top classes (best first; may be empty).
    public init(label: String, p: Float, top: [(label: String, p: Float)]) {
        self.label = label
        self.p = ModelValue.rounded(p)
        self.top = top.map { ($0.label, ModelValue.rounded($0.p)) }
        self.reason = nil
        self.explain = nil
    }

    /// No prediction, and why.
    public init(noLabel reason: String) {
        self.label = nil
        self.p = 0
        self.top = []
        self.reason = reason
        self.explain = nil
    }

    /// `p` as the output keeps it (NaN as 0).
    public static func rounded(_ p: Float) -> Double { p.isNaN ? 0 : Decimals.rounded(Double(p), places: places) }

    public var json: JSON {
        guard let label else {
            return .object([("label", .null), ("p", .int(0)), ("top", .array([])), ("reason", .string(orNull: reason))])
        }
        var members: [(String, JSON)] = [("label", .string(label)), ("p", .double(p ?? 0)),
                                         ("top", .array(top.map { .array([.string($0.label), .double($0.p)]) }))]
        if let explain { members.append(("explain", .array(explain.map(\.json)))) }
        return .object(members)
    }

    /// Decodes a `model` value. Only `label` is needed; `p` is read when present, `top` and
    /// `reason` are not read (no reader needs them). `path` names the key in messages.
    public init(json: JSON, at path: FieldPath) throws {
        guard case .object = json else { throw RecordError("'\(path)' is \(json.kindName), expected an object") }
        label = try KeyDecoding.nullableString(json["label"], "\(path).label")
        p = try KeyDecoding.probability(json["p"], "\(path).p")
        top = []
        reason = json["reason"]?.stringValue
        explain = nil
    }

    public static func == (a: ModelValue, b: ModelValue) -> Bool {
        a.label == b.label && a.p == b.p && a.reason == b.reason && a.explain == b.explain
            && a.top.count == b.top.count && zip(a.top, b.top).allSatisfy { $0.label == $1.label && $0.p == $1.p }
    }

    /// The bytes of `ModelValue(label:p:top:).json.serialize`, written piece by piece from labels
    /// quoted once (predict writes one per record without a JSON tree): `begin`, `top` for each
    /// of the top classes, `end`.
    public enum Bytes {
        /// `{"label":L,"p":P,"top":[`
        public static func begin(quotedLabel: [UInt8], p: Float, into out: inout [UInt8]) {
            out.append(contentsOf: #"{"label":"#.utf8)
            out.append(contentsOf: quotedLabel)
            out.append(contentsOf: #","p":"#.utf8)
            appendProbability(p, to: &out)
            out.append(contentsOf: #","top":["#.utf8)
        }

        /// `[L,P]`, after a comma unless it is the first.
        public static func top(quotedLabel: [UInt8], p: Float, first: Bool, into out: inout [UInt8]) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: quotedLabel)
            out.append(UInt8(ascii: ","))
            appendProbability(p, to: &out)
            out.append(UInt8(ascii: "]"))
        }

        /// `]}`
        public static func end(into out: inout [UInt8]) { out.append(contentsOf: "]}".utf8) }

        /// Prints `rounded(p)` as `JSON.serialize` would (Swift's shortest form of k/10000:
        /// "0.0", "0.5", "0.1234", "1.0"), from the same `Decimals.scaled` units.
        public static func appendProbability(_ p: Float, to out: inout [UInt8]) {
            let scaled = Decimals.scaled(Double(p), places: places)
            if scaled >= Decimals.scale(places) { out.append(contentsOf: "1.0".utf8); return }
            // `!(> 0)` also catches NaN, which `Int(_:)` would trap on.
            if !(scaled > 0) { out.append(contentsOf: "0.0".utf8); return }
            let k = Int(scaled)
            out.append(0x30); out.append(0x2E)
            // `places` digits without trailing zeros ("0.5", "0.1234"); k > 0, so one is non-zero.
            var digits = k, count = places
            while digits % 10 == 0 { digits /= 10; count -= 1 }
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 { out.append(0x30 + UInt8(digits / divisor % 10)); divisor /= 10 }
        }
    }
}
