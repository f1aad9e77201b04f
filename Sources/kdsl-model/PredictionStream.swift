import JSONLines

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
        try reportImages(failed: predictors.all.reduce(0) { $0 + $1.reader.failedImages },
                         decodedRecords: predictors.all.reduce(0) { $0 + $1.reader.decodedRecords })
    }
}

/// The predictors the workers made, for the end-of-run count of unreadable images.
private final class PredictorList: @unchecked Sendable {
    var all: [Predictor] = []
}
