import Images
import JSONLines
import RecordKeys

/// Settings of one run that every worker shares.
struct OCRSettings: Sendable {
    /// Field holding the image paths (`--images-field`); nil: `ImagePaths`' default, `images`, else `image`.
    var imagesField: FieldPath?
    /// Directory that relative image paths resolve against ("" or "." = current directory).
    var imageRoot = ""
    var timeoutMs = 0
    var decoder = ImageDecoder(maxPixels: ImageFile.defaultMaxPixels)
    var preparation = ImagePreparation.none
}

/// The result of OCRing one record: the `ocr` value and the per-image problems to report.
struct RecordOCRResult: Sendable {
    var ocr: OCRValue
    var problems: [String]
}

/// Builds a record's `ocr` value (`OCRValue`).
enum RecordOCR {
    /// OCRs every image of `paths` with `engine`.
    static func run(paths: [String], engine: OCREngine, settings: OCRSettings) -> RecordOCRResult {
        var images: [OCRValue.Image] = []
        var problems: [String] = []
        // An engine that reads lines says so for every image, also those it could not read.
        let failedLines: [TextLine]?
        if case .ppocr = engine { failedLines = [] } else { failedLines = nil }
        for path in paths {
            let file = ImagePaths.resolve(path, root: settings.imageRoot)
            func failed(_ message: String, _ w: Int, _ h: Int) -> OCRValue.Image {
                problems.append("image \(shorten(path)): \(message)")
                return OCRValue.Image(path: path, text: "", confidence: 0, width: w, height: h, lines: failedLines, error: message)
            }
            switch settings.decoder.decode(path: file) {
            case .failure(let e):
                images.append(failed(e.message, e.width, e.height))
            case .success(let decoded):
                let image = settings.preparation.apply(to: decoded)
                switch engine.recognize(image, timeoutMs: settings.timeoutMs) {
                case .failure(let message):
                    images.append(failed(message, decoded.width, decoded.height))
                case .success(let page):
                    images.append(OCRValue.Image(path: path, text: page.text, confidence: page.confidence,
                                                 width: decoded.width, height: decoded.height, lines: page.lines))
                }
            }
        }
        return RecordOCRResult(ocr: OCRValue(images: images, engine: engine.name), problems: problems)
    }

    static func shorten(_ s: String) -> String { s.count > 120 ? String(s.prefix(117)) + "..." : s }
}
