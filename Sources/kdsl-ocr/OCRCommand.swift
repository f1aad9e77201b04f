import ArgumentParser
import Shared
import StageCLI

#if canImport(Glibc)
import Glibc
#endif

/// `kdsl-ocr`: adds the text inside each record's images (libtesseract) as the `ocr` key.
@main
struct OCRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-ocr",
        abstract: "Add the text inside each record's images (Tesseract OCR) as the `ocr` key.",
        discussion: """
        Reads:  `images` (array of paths) or `image` (one path), or the field
                named by --images. Relative paths resolve against --image-root.
        Writes: `ocr`: {"text": the images' texts in order, newline-joined,
                "images": [{"path", "text", "confidence" (0-100), "width",
                "height"}]}. A record without images gets
                {"text": "", "images": []}. An image that cannot be read or
                recognised (missing, unreadable, a directory, not an image,
                truncated, over --max-pixels, over --timeout-ms) gets an
                "error" string in its entry; the record is still written and
                the run exits 1 at the end.
        Engine: libtesseract, one engine per job, loaded once; records come
                out in input order. OMP_THREAD_LIMIT=1 is set by the program
                itself (it re-executes itself): with OpenMP threads on,
                Tesseract ran 2-10x slower here.
        --psm:  3 (automatic page segmentation) by default, chosen by the
                character error rate against exact transcriptions (see
                docs/benchmarks.md): on multi-column pages psm 3 had CER 0.08
                where psm 4 and 6 had 0.69 and 0.71, and screenshots mix
                columns, tab bars and blocks like those pages. Single-column
                receipts read a little better with psm 6 (CER 0.14 vs 0.17,
                case-folded) and cropped single lines with psm 7 (0.09 vs
                0.20): pass those for such inputs.
        --prepare: off by default. `upscale` helped small receipts at psm 3
                only, at 4x the pixels; `gray` made receipts worse.

        Exit status: 0 ok; 1 bad records or images (each reported on stderr as
        `kdsl-ocr: line N: ...`); 2 usage or setup error (e.g. traineddata
        missing for a --lang).

        Example:
          kdsl-ocr --lang chi_sim+eng --image-root data/ --jobs 2 \\
            < records.jsonl | jq -r '.ocr.text'
        """)

    @Argument(help: "Input files of JSON Lines records ('-' or none: stdin).")
    var files: [String] = []

    @Option(name: .customLong("images"), help: ArgumentHelp("Field holding the image path(s) (dotted path).", valueName: "PATH"))
    var imagesField: String?

    @Option(help: ArgumentHelp("Directory that relative image paths resolve against.", valueName: "DIR"))
    var imageRoot: String = "."

    @Option(help: ArgumentHelp("Tesseract languages, '+'-joined (the WWW2025 data needs chi_sim+eng).", valueName: "LANGS"))
    var lang: String = "eng"

    @Option(help: ArgumentHelp("Tesseract page segmentation mode (0-13); see the discussion above.", valueName: "N"))
    var psm: Int = 3

    @Option(help: ArgumentHelp("Worker threads, each with its own engine (default: the number of cores).", valueName: "N"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Per-image recognition deadline in milliseconds; 0 means none.", valueName: "MS"))
    var timeoutMs: Int = 0

    @Option(help: ArgumentHelp("Refuse images with more pixels than this (decompression bombs).", valueName: "N"))
    var maxPixels: Int = 50_000_000

    @Option(help: ArgumentHelp("Image preparation before OCR: none, gray, upscale (gray + 2x for small images).", valueName: "MODE"))
    var prepare: String = "none"

    @Option(help: ArgumentHelp("Directory of *.traineddata (default: TESSDATA_PREFIX, else the library's).", valueName: "DIR"))
    var tessdata: String?

    @Flag(help: "Stop at the first bad record or image (exit 1).")
    var strict = false

    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    static func main() { stageMain() }

    func validate() throws {
        if !(0...13).contains(psm) { throw ValidationError("--psm must be 0-13, got \(psm)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if timeoutMs < 0 { throw ValidationError("--timeout-ms must be 0 or more, got \(timeoutMs)") }
        if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1, got \(maxPixels)") }
        if ImagePreparation(rawValue: prepare) == nil {
            throw ValidationError("--prepare must be one of \(ImagePreparation.allCases.map(\.rawValue).joined(separator: ", ")), got '\(prepare)'")
        }
    }

    func run() {
        Diagnostics.shared.stage = "kdsl-ocr"
        ThreadLimit.ensureSingleThreadedOpenMP()
        var options = OCROptions()
        options.stream = StreamOptions(strict: strict, inputs: files)
        options.settings.imagesField = imagesField.map { FieldPath($0) }
        options.settings.imageRoot = imageRoot
        options.settings.timeoutMs = timeoutMs
        options.settings.decoder = ImageDecoder(maxPixels: maxPixels)
        options.settings.preparation = ImagePreparation(rawValue: prepare) ?? .none
        options.languages = lang
        options.psm = psm
        options.jobs = jobs ?? ThreadLimit.cores
        options.datapath = tessdata
        OCRStream.run(options)
    }
}
