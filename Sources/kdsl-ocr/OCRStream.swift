import Shared

/// Everything `kdsl-ocr` needs to run, filled from the command line.
struct OCROptions: Sendable {
    var stream = StreamOptions()
    var settings = OCRSettings()
    var languages = "eng"
    var psm = 3
    var jobs = 1
    var datapath: String? = nil
    /// Records held at most in the reorder window, per job.
    var windowPerJob = 8
}

/// The streaming OCR filter: reads records, OCRs their images on `jobs` threads, writes them in
/// input order with the `ocr` key added.
///
/// Shared's `ParallelFilter` does the streaming, with the error semantics of `runFilter`; a record
/// is one batch (OCR takes a second per screenshot: batching saves nothing, and a batch of them
/// would hold the records behind it). Each worker owns one engine for its whole life (Tesseract
/// engines are not thread-safe, and loading one costs far more than recognising a screenshot);
/// the engines load on the workers' threads, in parallel, before any input is read, so missing
/// traineddata is a setup error (exit 2) with nothing written. An image that cannot be read or
/// recognised is a problem of its record, which is still written with its `ocr`.
enum OCRStream {
    static func run(_ options: OCROptions) -> Never {
        let settings = options.settings
        var filter = ParallelFilter(options.stream, jobs: options.jobs)
        filter.batchLines = 1
        filter.batchesPerJob = options.windowPerJob
        runStage {
            try filter.run {
                let engine: TesseractEngine
                do {
                    engine = try Traineddata.loadEngine(datapath: options.datapath, languages: options.languages, psm: options.psm)
                } catch let error as EngineSetupError {
                    throw SetupError(error.message)
                }
                return { record, out in
                    let paths = try ImagePaths.of(record, field: settings.imagesField)
                    if paths.isEmpty {
                        record.set("ocr", RecordOCR.empty)
                        return
                    }
                    let result = RecordOCR.run(paths: paths, engine: engine, settings: settings)
                    record.set("ocr", result.ocr)
                    out.problems = result.problems
                }
            }
        }
    }
}
