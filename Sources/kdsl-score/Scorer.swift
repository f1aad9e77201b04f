import JSONLines

/// What to score and how to write it: the plain options the command hands over.
struct ScoreOptions: Sendable {
    enum Format: String, Sendable, CaseIterable { case table, json, markdown, csv, html }
    var stream = StreamOptions()
    var fields = ScoreFields()
    var format = Format.table
    var confusion = false
    /// Score each input file on its own (one run per file, side by side) instead of as one stream.
    var compare = false
    /// Write the mergeable counts instead of a report.
    var emitCounts = false
    /// Read counts (from `--emit-counts` runs) instead of records.
    var mergeCounts = false
}

/// The score stage: reads records (or counts), writes the report (or counts), and exits with the
/// stream's status (0, or 1 when a line was bad or a record had no gold label).
enum Scorer {
    /// Reads every input into counts. Bad lines and records without a gold label are reported on
    /// stderr by `readAll` (exit 1 at the end, or at once under `--strict`).
    static func count(_ options: ScoreOptions) throws -> ScoreCounts {
        var counts = ScoreCounts(fields: options.fields)
        if options.mergeCounts {
            try readAll(options.stream) { try counts.absorb(countLine: $0) }
            try counts.validateMerged()
        } else {
            // The first few records without a prediction are named (the total follows the report).
            var named = 0
            try readAll(options.stream) { record in
                if try !counts.add(record: record) && !options.emitCounts && named < 5 {
                    named += 1
                    Diagnostics.shared.warning("no prediction at \"\(counts.fields.pred)\" (or the record carries an error): counted as wrong", at: record.location)
                }
            }
        }
        return counts
    }

    /// The bytes to write for `counts`.
    static func output(_ counts: ScoreCounts, _ options: ScoreOptions) -> [UInt8] {
        var out: [UInt8] = []
        if options.emitCounts {
            for line in counts.countLines() { line.serialize(into: &out); out.append(0x0A) }
            return out
        }
        let report = F1Report(counts: counts)
        switch options.format {
        case .json:
            report.json(confusion: options.confusion).serialize(into: &out)
            out.append(0x0A)
        case .table: out.append(contentsOf: TableFormat(report: report, confusion: options.confusion).render().utf8)
        case .markdown: out.append(contentsOf: MarkdownFormat(report: report, confusion: options.confusion).render().utf8)
        case .csv: out.append(contentsOf: CSVFormat(report: report, confusion: options.confusion).render().utf8)
        case .html: out.append(contentsOf: HTMLFormat(runs: [.init(name: nil, report: report)]).render().utf8)
        }
        return out
    }

    /// The name a compared input goes by in the report and in messages.
    static func runName(_ input: String) -> String { input == "-" ? "stdin" : input }

    /// A report of a run that read no record would be all zeros that mean nothing (scikit-learn
    /// refuses an empty input too): a setup error instead, naming the input. Counts of an empty
    /// shard (`--emit-counts`) are a valid part of a whole and are written.
    static func refuseEmpty(_ runs: [(name: String?, counts: ScoreCounts)], _ options: ScoreOptions) throws {
        guard !options.emitCounts, let empty = runs.first(where: { $0.counts.total == 0 }) else { return }
        let what = options.mergeCounts ? "no counted record in the counts" : "no record in the input"
        throw SetupError("nothing to score\(empty.name.map { " in \($0)" } ?? ""): \(what) (empty, or every line was bad); no report of zeros written")
    }

    static func run(_ options: ScoreOptions) throws {
        // One run per input file with --compare (stdin when there is none), else one run over all.
        var runs: [(name: String?, counts: ScoreCounts)] = []
        if options.compare {
            for input in options.stream.inputs.isEmpty ? ["-"] : options.stream.inputs {
                var one = options
                one.stream.inputs = [input]
                runs.append((runName(input), try count(one)))
            }
            try refuseEmpty(runs, options)
            let reports = runs.map { (name: $0.name ?? "stdin", report: F1Report(counts: $0.counts)) }
            let page = options.format == .markdown
                ? MarkdownFormat.compared(reports, confusion: options.confusion)
                : HTMLFormat(runs: reports.map { .init(name: $0.name, report: $0.report) }).render()
            StandardOutput.shared.write(Array(page.utf8))
        } else {
            let counts = try count(options)
            runs.append((nil, counts))
            try refuseEmpty(runs, options)
            StandardOutput.shared.write(output(counts, options))
        }
        if options.emitCounts { return }
        // Counted, never silent: say on stderr what the report also shows.
        let diagnostics = Diagnostics.shared
        for (name, counts) in runs {
            let prefix = name.map { "\($0): " } ?? ""
            let missing = counts.noPrediction
            if missing > 0 {
                diagnostics.warning("\(prefix)\(missing) record\(missing == 1 ? "" : "s") without a prediction at \"\(counts.fields.pred)\" (or with an error) counted as wrong")
            }
            if let by = counts.fields.by, counts.ungrouped > 0 {
                diagnostics.warning("\(prefix)\(counts.ungrouped) record\(counts.ungrouped == 1 ? "" : "s") without a \"\(by)\" value: in the overall figures only")
            }
        }
        // Every record without a prediction is no score but a wrong field: say so, after the report.
        let unpredicted = runs.filter { run in
            let scored = run.counts.total - run.counts.noGold
            return scored > 0 && run.counts.noPrediction == scored
        }
        if let first = unpredicted.first {
            let which = options.compare ? " in \(unpredicted.map { $0.name ?? "" }.joined(separator: ", "))" : ""
            throw SetupError("no record\(which) has a prediction at \"\(first.counts.fields.pred)\", so every one counted as wrong: name the field to score with --pred-field (kdsl-model predict writes model.label, kdsl-merge prediction.label)")
        }
    }
}
