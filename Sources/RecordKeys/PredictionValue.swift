import JSONLines

/// The `prediction` key kdsl-merge writes: `{"label", "source"}` plus `"rule"` (the deciding
/// rule's id) when a rule decided.
public struct PredictionValue: Sendable, Equatable {
    public static let key = "prediction"
    /// The path kdsl-score reads the predicted label from by default.
    public static let labelPath = FieldPath("prediction.label")

    /// Where the label came from.
    public enum Source: String, Sendable {
        case rule, model, none
    }

    public var label: String?
    public var source: Source
    public var rule: String?

    public init(label: String?, source: Source, rule: String?) {
        self.label = label
        self.source = source
        self.rule = rule
    }

    public var json: JSON {
        var members: [(String, JSON)] = [("label", .string(orNull: label)), ("source", .string(source.rawValue))]
        if source == .rule { members.append(("rule", .string(orNull: rule))) }
        return .object(members)
    }

    /// Decodes a `prediction` value; `path` names the key in messages.
    public init(json: JSON, at path: FieldPath) throws {
        guard case .object = json else { throw RecordError("'\(path)' is \(json.kindName), expected an object") }
        label = try KeyDecoding.nullableString(json["label"], "\(path).label")
        guard let s = json["source"]?.stringValue, let source = Source(rawValue: s) else {
            throw RecordError("'\(path).source' is not one of rule, model, none")
        }
        self.source = source
        rule = json["rule"]?.stringValue
    }
}
