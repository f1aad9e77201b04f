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
/// input order with the `ocr` key added. Same error semantics as Shared's `runFilter`.
enum OCRStream {
    static func run(_ options: OCROptions) -> Never {
        let diagnostics = Diagnostics.shared
        let output = StandardOutput.shared
        // Load the first engine before reading any input: missing traineddata is a setup error.
        let first: TesseractEngine
        do {
            first = try Traineddata.loadEngine(datapath: options.datapath, languages: options.languages, psm: options.psm)
        } catch {
            diagnostics.emit(error.message)
            exitProcess(.setup)
        }
        nonisolated(unsafe) var spare: TesseractEngine? = first
        let makers: [() throws -> TesseractEngine] = (0..<max(options.jobs, 1)).map { i in
            if i == 0 { return { let e = spare!; spare = nil; return e } }
            return { try Traineddata.loadEngine(datapath: options.datapath, languages: options.languages, psm: options.psm) }
        }
        let settings = options.settings
        let strict = options.stream.strict
        let pool = OrderedPool(engines: makers, window: max(options.jobs, 1) * options.windowPerJob, work: { record, paths, engine in
            let result = RecordOCR.run(paths: paths, engine: engine, settings: settings)
            var record = record
            record.set("ocr", result.ocr)
            var slot = Slot()
            record.serialize(into: &slot.line)
            slot.line.append(0x0A)
            slot.problems = result.problems.map { (record.location, $0) }
            return slot
        }, emit: { slot in
            for (location, message) in slot.problems { diagnostics.recordError(message, at: location) }
            output.write(slot.line)
            if strict && !slot.problems.isEmpty { exitProcess(.badRecords) }
            output.endRecord()
        })
        runStage {
            // Drain the pool (every submitted record written, in order) before the process ends.
            defer { pool.finish() }
            try RecordReader.forEach(options.stream.inputs) { item in
                var slot = Slot()
                switch item {
                case .record(var record):
                    do {
                        let paths = try RecordOCR.imagePaths(of: record, field: settings.imagesField)
                        if !paths.isEmpty { pool.submit(Slot(pending: (record, paths))); return }
                        record.set("ocr", RecordOCR.empty)
                    } catch let error as RecordError {
                        slot.problems = [(record.location, error.message)]
                        if !record.has("error") {
                            record.set("error", errorObject(stage: diagnostics.stage, location: record.location, message: error.message))
                        }
                    }
                    record.serialize(into: &slot.line)
                case .malformed(let bad):
                    slot.problems = [(bad.location, bad.message)]
                    JSON.object([("error", errorObject(stage: diagnostics.stage, location: bad.location, message: bad.message, raw: bad.bytes))]).serialize(into: &slot.line)
                }
                slot.line.append(0x0A)
                slot.done = true
                pool.submit(slot)
            }
        }
    }
}
