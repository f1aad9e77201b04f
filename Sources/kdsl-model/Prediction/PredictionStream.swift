import Basics
import JSONLines
import TextViews

/// `kdsl-model predict` over the inputs: every record with `model` added, in input order.
///
/// JSONLines' `ParallelFilter` does the streaming (one job: record by record; more: batches of 256
/// lines on worker threads, written in input order, the same bytes for any number of jobs). Each
/// worker has its own `Predictor` (scratch buffers, image reader); the model is shared read-only.
/// An image that cannot be read is a warning at its record's line (`image PATH: reason`); the
/// record is kept with zero image features, and the run ends with the total.
struct PredictionStream {
    let options: StreamOptions
    let jobs: Int
    /// Makes one predictor per job.
    let makePredictor: () -> Predictor

    func run() throws {
        let made = Mutex()
        let predictors = PredictorList()
        try ParallelFilter(options, jobs: jobs).run {
            let predictor = makePredictor()
            made.locked { predictors.all.append(predictor) }
            return { record, out in
                // A field of the wrong type (the task, or one the head reads) throws before
                // anything is written: the record is forwarded with `error`.
                // The fast writer splices `model` into the record's bytes; it declines
                // records that need the general path (unknown task, an existing `model`...).
                if try !out.writeRecord({ try predictor.appendFast(record, to: &$0) }) { try predictor.apply(&record) }
                // Images it could not use: warnings at the record's line, in input order for any --jobs.
                out.warnings = predictor.reader.takeImageFailures()
            }
        }
        reportEmptyViews(predictors.all)
        reportMissingVectors(predictors.all)
        try reportImages(failed: predictors.all.reduce(0) { $0 + $1.reader.failedImages },
                         decodedRecords: predictors.all.reduce(0) { $0 + $1.reader.decodedRecords })
    }
}

/// The predictors the workers made, for the end-of-run count of unreadable images.
private final class PredictorList: @unchecked Sendable {
    var all: [Predictor] = []
}

/// A warning for each head that found no text in any view it reads in all the records it
/// predicted (at least `emptyViewMinimum`): its labels then rest on images and its bias alone,
/// which is what predicting screenshots that were never OCRed looks like. Predictions stand; a
/// single empty view is not reported (the model does not keep which views had text in training).
func reportEmptyViews(_ predictors: [Predictor]) {
    guard let model = predictors.first?.model, let fields = predictors.first?.reader.fields else { return }
    let config = model.features
    for (i, head) in model.heads.enumerated() {
        let records = predictors.reduce(0) { $0 + $1.headRecords[i] }
        guard records >= emptyViewMinimum, !predictors.contains(where: { $0.headSawText[i] }) else { continue }
        let read = config.views.enumerated().filter { config.keeps(namespace: $0.offset, views: head.views) }.map(\.element)
        guard !read.isEmpty else { continue }
        let name = head.task.isEmpty ? "the model" : "head \"\(head.task)\""
        let hint = read.contains { [.ocr, .lines, .title, .bottom].contains($0) }
            ? " (were they OCRed? run kdsl-ocr first, or name the OCR text with --ocr-field; it reads \(fields.ocr))" : ""
        Diagnostics.shared.warning("\(name) found no text in any view it reads (\(read.map(\.rawValue).joined(separator: ", "))) in all \(records) records it predicted\(hint); its labels rest on images and its bias alone")
    }
}

/// Records a head must have predicted before text missing everywhere is worth a warning.
let emptyViewMinimum = 5

/// A warning for each head with an embedding head that predicted records without the vectors it
/// reads: those records got the n-gram head's probabilities alone (kdsl-embed was not run on
/// them, or embedded other views).
func reportMissingVectors(_ predictors: [Predictor]) {
    guard let model = predictors.first?.model else { return }
    for (i, head) in model.heads.enumerated() {
        guard let e = head.embedding else { continue }
        let missing = predictors.reduce(0) { $0 + $1.headWithoutVectors[i] }
        let records = predictors.reduce(0) { $0 + $1.headRecords[i] }
        guard missing > 0 else { continue }
        let name = head.task.isEmpty ? "the model" : "head \"\(head.task)\""
        Diagnostics.shared.warning("\(name): \(missing) of \(records) records had no \(e.encoder) vectors in \(e.views.joined(separator: ", ")) (\(predictors[0].reader.embeddingField?.description ?? EmbeddingHead.defaultField)); they were predicted by the n-gram head alone: run kdsl-embed on them first")
    }
}
