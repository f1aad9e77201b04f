import JSONLines

/// Reads the verdicts of the rules and model stages out of a record.
///
/// Absent keys, `null`, or a `label` that is null mean "no verdict" (a rule base where no rule
/// fired, a model that does not know the record's task). A key of the wrong shape is a bad record.
struct VerdictReader {
    var rulesPath: FieldPath
    var modelPath: FieldPath

    func rule(in record: Record) throws -> RuleVerdict? {
        guard let value = record.value(at: rulesPath), !value.isNull else { return nil }
        guard case .object = value else { throw RecordError("'\(rulesPath)' is \(value.kindName), expected an object") }
        guard let label = try label(value, rulesPath) else { return nil }
        let reward = try number(value["reward"], "\(rulesPath).reward")
        let id = value["id"]?.stringValue
        return RuleVerdict(label: label, id: id, reward: reward)
    }

    func model(in record: Record) throws -> ModelVerdict? {
        guard let value = record.value(at: modelPath), !value.isNull else { return nil }
        guard case .object = value else { throw RecordError("'\(modelPath)' is \(value.kindName), expected an object") }
        guard let label = try label(value, modelPath) else { return nil }
        return ModelVerdict(label: label, p: try number(value["p"], "\(modelPath).p"))
    }

    private func label(_ object: JSON, _ path: FieldPath) throws -> String? {
        switch object["label"] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw RecordError("'\(path).label' is \(other.kindName), expected a string or null")
        }
    }

    private func number(_ value: JSON?, _ name: String) throws -> Double? {
        guard let value, !value.isNull else { return nil }
        guard let d = value.doubleValue else { throw RecordError("'\(name)' is \(value.kindName), expected a number") }
        return d
    }
}
