import Images
import JSONLines
import RecordKeys

#if canImport(Glibc)
import Glibc
#endif

/// Everything `kdsl-ocr` needs to run, filled from the command line.
struct OCROptions: Sendable {
    typealias EngineChoice = OCRStream.EngineChoice
    var stream = StreamOptions()
    var settings = OCRSettings()
    var languages = "eng"
    var psm = 3
    var jobs = 1
    var datapath: String? = nil
    var engine = EngineChoice.ppocr
    /// PP-OCR's files, found before any input is read (nil for Tesseract).
    var models: PPOCRModels? = nil
    /// PP-OCR: the longest side an image keeps before detection.
    var maxSide = 2000
    /// Progress on stderr (off with --quiet).
    var progress = true
    /// Records held at most in the reorder window, per job.
    var windowPerJob = 8
}

/// The streaming OCR filter: reads records, OCRs their images on `jobs` threads, writes them in
/// input order with the `ocr` key added.
///
/// JSONLines' `ParallelFilter` does the streaming, with the error semantics of `runFilter`; a record
/// is one batch (OCR takes a second per screenshot: batching saves nothing, and a batch of them
/// would hold the records behind it). Each worker owns one engine for its whole life (Tesseract
/// engines and OpenVINO inference requests are not thread-safe, and loading one costs far more
/// than recognising a screenshot); the engines load on the workers' threads, in parallel, before
/// any input is read, so missing traineddata or an unloadable network is a setup error (exit 2)
/// with nothing written (PP-OCR's model files are checked earlier still, by the command). An image that cannot be read or
/// recognised is a problem of its record, which is still written with its `ocr`.
enum OCRStream {
    /// `--engine`.
    enum EngineChoice: String, CaseIterable, Sendable { case ppocr, tesseract }

    static func run(_ options: OCROptions) throws {
        let settings = options.settings
        var filter = ParallelFilter(options.stream, jobs: options.jobs)
        filter.batchLines = 1
        filter.batchesPerJob = options.windowPerJob
        // A record takes a second or more: each is written out as soon as it is in order, so an
        // interrupted run keeps every record it finished.
        filter.flushEachRecord = true
        let progress = options.progress ? Progress(unit: "records", total: RecordCount.ofFiles(options.stream.inputs)) : nil
        defer { progress?.finish() }
        try filter.run {
            let engine: OCREngine
            do {
                switch options.engine {
                case .tesseract:
                    engine = .tesseract(try Traineddata.loadEngine(datapath: options.datapath, languages: options.languages, psm: options.psm))
                case .ppocr:
                    let e = try PPOCREngine(models: options.models!)
                    e.maxSide = options.maxSide
                    engine = .ppocr(e)
                }
            } catch let error as EngineSetupError {
                throw SetupError(error.message)
            }
            let empty = OCRValue(images: [], engine: engine.name).json
            return { record, out in
                defer { progress?.advance() }
                let paths = try ImagePaths.of(record, field: settings.imagesField)
                if paths.isEmpty {
                    record.set(OCRValue.key, empty)
                    return
                }
                let result = RecordOCR.run(paths: paths, engine: engine, settings: settings)
                record.set(OCRValue.key, result.ocr.json)
                out.problems = result.problems
            }
        }
    }
}
