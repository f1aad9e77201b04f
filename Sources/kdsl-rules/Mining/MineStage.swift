import Basics
import JSONLines
import TextViews

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading labelled records for `mine` and `validate`.
enum LabelledInput {
    /// Reads the records that have a label; records without one are reported (a warning each,
    /// the first five, then a count) and left out. A label that is not a string is a bad record.
    static func read(fields: RecordFields, against: String?, stream: StreamOptions) throws -> [MiningRecord] {
        let labelPath = fields.label, taskPath = fields.task
        let againstPath = against.map { FieldPath($0) }
        var records: [MiningRecord] = []
        var unlabelled = 0, unpredicted = 0
        try readAll(stream) { r in
            guard let label = try r.label(at: labelPath) else {
                unlabelled += 1
                if unlabelled <= 5 { Diagnostics.shared.warning("no \"\(labelPath)\": record left out", at: r.location) }
                return
            }
            // A rule needs a non-empty label and task (`check` refuses empty ones): such records
            // cannot teach one, and a rule mined from them could not be applied.
            if label.isEmpty { throw RecordError("\"\(labelPath)\" is empty") }
            let task = try r.optionalString(at: taskPath)
            // A text field of the wrong type is a bad record, as in apply, not empty text.
            if let problem = fields.typeProblem(r) { throw RecordError(problem) }
            if task == "" { throw RecordError("\"\(taskPath)\" is empty") }
            var prediction: String? = nil
            if let againstPath {
                guard let p = r.string(at: againstPath) else {
                    unpredicted += 1
                    if unpredicted <= 5 { Diagnostics.shared.warning("no string at \"\(againstPath)\": record left out", at: r.location) }
                    return
                }
                prediction = p
            }
            records.append(MiningRecord(location: r.location, task: task, label: label,
                                        prediction: prediction, text: fields.recordText(r)))
        }
        if unlabelled > 5 { Diagnostics.shared.warning("\(unlabelled) records without \"\(labelPath)\" left out in all") }
        if unpredicted > 5 { Diagnostics.shared.warning("\(unpredicted) records without a prediction at \"\(against!)\" left out in all") }
        return records
    }
}

/// `kdsl-rules mine`: reads labelled records, mines each label, writes the rule base. Notes (a
/// line per label) and progress (the inner searches done of all, the rules found so far and the
/// time left) go to stderr, none under `--quiet`.
enum MineStage {
    static func run(_ options: MineOptions, fields: RecordFields, out: String?, candidatesOut: String?, stream: StreamOptions) throws {
        let started = MonotonicClock.seconds()
        let records = try LabelledInput.read(fields: fields, against: options.against, stream: stream)
        if records.isEmpty { Diagnostics.shared.warning("no labelled records: no rules mined") }
        let corpus = Corpus(records: records, views: options.views, maxN: options.maxN, minCount: options.minCount)
        Diagnostics.shared.note("\(records.count) labelled records, \(corpus.literals.count) candidate literals (\(format(MonotonicClock.seconds() - started)) s)")
        let miner = MCTSMiner(corpus: corpus, options: options)
        let units = miner.units
        var rules: [Rule] = []
        var candidateRules: [Rule] = []
        let progress = Progress(unit: "searches", total: units.count * max(1, options.folds))
        for (k, unit) in units.enumerated() {
            let t0 = MonotonicClock.seconds()
            let name = (unit.task.map { $0 + "/" } ?? "") + unit.label
            let found = rules.count
            let (mined, used) = miner.mineWithCandidates(task: unit.task, label: unit.label) {
                progress.advance { "\(found) rules, mining \(name)" }
            }
            rules.append(contentsOf: mined)
            for i in used {
                var r = Rule(id: "c\(candidateRules.count)", label: unit.label, task: unit.task, predicates: [corpus.literals[i]])
                r.source = "candidate"
                candidateRules.append(r)
            }
            let n = records.lazy.filter { $0.task == unit.task && $0.label == unit.label }.count
            Diagnostics.shared.note("[\(k + 1)/\(units.count)] \(name): \(n) records, \(mined.count) rules (\(format(MonotonicClock.seconds() - t0)) s)")
        }
        progress.finish(detail: "\(rules.count) rules")
        Diagnostics.shared.note("\(rules.count) rules from \(units.count) labels in \(format(MonotonicClock.seconds() - started)) s")
        let bytes = RuleSet(rules: rules).jsonLines
        if let candidatesOut { try AtomicFile.write(RuleSet(rules: candidateRules).jsonLines, to: candidatesOut) }
        if let out { try AtomicFile.write(bytes, to: out) } else { StandardOutput.shared.write(bytes) }
    }

    static func format(_ seconds: Double) -> String { Decimals.fixed(seconds, places: 1) }
}
