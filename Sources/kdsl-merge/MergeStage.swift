import JSONLines
import RecordKeys

/// kdsl-merge over the inputs, from the options `MergeCommand` parsed: every record with its
/// merged `prediction`, or, with `--choose`, the `--policy` line chosen from out-of-fold records.
struct MergeStage {
    var plan: PolicyPlan
    var reader: VerdictReader
    var taskPath: FieldPath
    var outputPath: FieldPath
    /// The gold label `--choose` scores the policies against.
    var goldPath: FieldPath

    /// Writes every record with `prediction` (at `outputPath`) decided from its verdicts by the
    /// policy of its task.
    func merge(_ stream: StreamOptions) throws {
        let plan = self.plan, reader = self.reader, taskPath = self.taskPath, outputPath = self.outputPath
        let rulesPath = reader.rulesPath, modelPath = reader.modelPath
        // Whether any record carries either key: with none, every prediction is null, which is a
        // wrong field name or a skipped stage, not a result. Looked for only until one is found.
        var records = 0, sawVerdict = false
        try runFilter(stream) { record in
            let setting = plan.readsTask ? plan.setting(for: try record.optionalString(at: taskPath)) : plan.fallback
            records += 1
            if !sawVerdict { sawVerdict = record.value(at: rulesPath) != nil || record.value(at: modelPath) != nil }
            let decision = decide(rule: try reader.rule(in: record), model: try reader.model(in: record),
                                  policy: setting.policy, thresholds: setting.thresholds)
            record.set(outputPath, decision.json)
        }
        if records > 0 && !sawVerdict {
            throw SetupError("no record carries '\(rulesPath)' or '\(modelPath)', so every prediction is null: run kdsl-rules apply and/or kdsl-model predict first, or name their keys with --rules-field and --model-field")
        }
    }

    /// `--choose`: reads every record and prints the chosen `--policy` line.
    func choose(_ stream: StreamOptions) throws {
        let reader = self.reader, taskPath = self.taskPath, goldPath = self.goldPath
        var chooser = PolicyChooser()
        var unlabelled = 0, seen = 0
        try readAll(stream) { record in
            let task = try record.optionalString(at: taskPath)
            let rule = try reader.rule(in: record), model = try reader.model(in: record)
            guard let gold = try record.label(at: goldPath) else { unlabelled += 1; return }
            seen += 1
            chooser.add(task: task, rule: rule, model: model, gold: gold)
        }
        guard seen > 0 else {
            throw SetupError("--choose: no record has a gold label at '\(goldPath)'\(unlabelled > 0 ? " (\(unlabelled) without one)" : ""): nothing to choose from")
        }
        if unlabelled > 0 { Diagnostics.shared.note("\(unlabelled) record(s) without a gold label left out of the choice") }
        let (plan, notes) = chooser.choose()
        for n in notes { Diagnostics.shared.note(n) }
        StandardOutput.shared.write(plan.spec + "\n")
    }
}
