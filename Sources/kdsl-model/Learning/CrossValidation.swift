import Basics
import JSONLines
import RecordKeys

/// Out-of-fold predictions: for each fold value, a model trained on the labelled records of the
/// other folds predicts the records of that fold. Features are extracted once (images decoded
/// once), so a 5-fold run costs little more than five trainings. Records leave in input order.
/// Progress: a line per fold with the time left, and each fold's heads as `train` shows them.
struct CrossValidation {
    var builder: ModelBuilder
    var foldField: FieldPath
    var top: Int
    /// `--folds K`: K stratified folds dealt here (`assignFolds`) and written at `foldField`,
    /// instead of the records' own; 0: the records' own.
    var assign = 0

    func run(_ options: StreamOptions, reader: SampleReader) throws {
        var records: [Record] = []
        var samples: [Sample] = []
        var folds: [String?] = []
        // Every line comes out, in input order: a record it could read with its out-of-fold
        // `model`, any other forwarded with `error` as a filter stage forwards it (reported, exit 1).
        var lines: [CVLine] = []
        try readAll(options, forward: { lines.append(.forwarded($0)) }) { record in
            let s = try reader.sample(record)
            // Under --folds the fold is dealt below, once every record is read.
            let fold = assign > 0 ? nil : try recordFold(record)
            lines.append(.record(records.count))
            records.append(record); samples.append(s); folds.append(fold)
        }
        if assign > 0 {
            let dealt = CrossValidation.assignFolds(samples, folds: assign, seed: builder.settings.seed)
            for i in records.indices {
                folds[i] = String(dealt[i])
                records[i].set(foldField, .int(Int64(dealt[i])))
            }
        }
        let foldValues = Set(folds.compactMap { $0 }).sorted { a, b in
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
        guard foldValues.count >= 2 else { throw SetupError("cross-validation needs at least two values of \(foldField), found \(foldValues.count)") }
        try builder.checkViews(samples.filter { $0.label != nil }, fields: reader.fields)
        try builder.checkEmbeddings(samples.filter { $0.label != nil })
        var base = builder
        try base.embedLabelNames(samples)
        var outputs = [JSON?](repeating: nil, count: records.count)
        let progress = Progress(unit: "folds", total: foldValues.count, rate: false, everyUnit: true)
        for f in foldValues {
            let train = zip(samples, folds).filter { $0.1 != f && $0.0.label != nil }.map(\.0)
            var builder = base
            builder.progressPrefix = "fold \(f): "
            let model: Model
            do { model = try builder.build(train) } catch let e as SetupError { throw SetupError("fold \(f): \(e.message)") }
            let predictor = Predictor(model: model, reader: reader, top: top)
            for i in records.indices where folds[i] == f {
                guard let head = model.head(for: samples[i].task) else {
                    outputs[i] = try predictor.predict(records[i])
                    continue
                }
                outputs[i] = predictor.predict(raw: samples[i].raw, image: samples[i].image, embedding: samples[i].embedding, head: head)
            }
            progress.advance { "fold \(f) trained on \(train.count) records" }
        }
        progress.finish()
        var line: [UInt8] = []
        for entry in lines {
            line.removeAll(keepingCapacity: true)
            switch entry {
            case .record(let i):
                var r = records[i]
                if let out = outputs[i] { r.set(ModelValue.key, out) }
                r.serialize(into: &line)
            case .forwarded(let bytes):
                line.append(contentsOf: bytes)
            }
            line.append(0x0A)
            StandardOutput.shared.write(line)
            StandardOutput.shared.endRecord()
        }
    }
}

extension CrossValidation {
    /// The record's own fold at `foldField` (a number or a string); a `RecordError` without one.
    func recordFold(_ record: Record) throws -> String {
        switch record.value(at: foldField) {
        case .int(let i)?: return String(i)
        case .string(let t)?: return t
        case let v?: throw RecordError("\(foldField) is \(v.kindName), expected a number or string")
        case nil: throw RecordError("no \(foldField): cross-validation needs a fold on every record")
        }
    }

    /// `--folds K`: the fold (0..<K) of each sample, stratified by task and label (records
    /// without a label form strata of their own), each stratum shuffled by its own generator
    /// from `seed` and dealt round robin with the count running on across strata, so that the
    /// folds come out the same size and keep each class's share; the same records and seed give
    /// the same folds on every machine.
    static func assignFolds(_ samples: [Sample], folds k: Int, seed: UInt64) -> [Int] {
        let keys = samples.map { "\($0.task ?? "")\u{1F}\($0.label.map { "=" + $0 } ?? "")" }
        let strata = StratifiedSplit.strata(keys, seed: seed)
        return StratifiedSplit.folds(strata, count: samples.count, folds: k, numbering: .acrossStrata)
    }
}

/// One output line of `kdsl-model cv`: the record at this index of those read, or a line
/// forwarded as it is (with `error`).
private enum CVLine {
    case record(Int)
    case forwarded([UInt8])
}
