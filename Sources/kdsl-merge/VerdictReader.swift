import JSONLines
import RecordKeys

/// Reads the verdicts of the rules and model stages out of a record, by decoding their keys
/// (`RulesValue`, `ModelValue`).
///
/// Absent keys, `null`, or a `label` that is null mean "no verdict" (a rule base where no rule
/// fired, a model that does not know the record's task). A key of the wrong shape is a bad record.
struct VerdictReader {
    var rulesPath: FieldPath
    var modelPath: FieldPath

    func rule(in record: Record) throws -> RuleVerdict? {
        guard let json = record.value(at: rulesPath), !json.isNull else { return nil }
        let value = try RulesValue(json: json, at: rulesPath)
        guard let label = value.label else { return nil }
        return RuleVerdict(label: label, id: value.id, reward: value.reward)
    }

    func model(in record: Record) throws -> ModelVerdict? {
        guard let json = record.value(at: modelPath), !json.isNull else { return nil }
        let value = try ModelValue(json: json, at: modelPath)
        guard let label = value.label else { return nil }
        return ModelVerdict(label: label, p: value.p)
    }
}
