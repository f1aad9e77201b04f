import Images
import JSONLines

/// Settings of one run that every worker shares.
struct OCRSettings: Sendable {
    /// Field holding the image paths; nil means `images`, else `image`.
    var imagesField: FieldPath?
    /// Directory that relative image paths resolve against ("" or "." = current directory).
    var imageRoot = ""
    var timeoutMs = 0
    var decoder = ImageDecoder(maxPixels: ImageFile.defaultMaxPixels)
    var preparation = ImagePreparation.none
}

/// Text clean-up applied to Tesseract's output.
enum OCRText {
    /// Drops trailing whitespace of every line and empty lines at both ends (Tesseract ends pages
    /// with blank lines). Inner text is kept as recognised, so the CLI's text compares equal.
    static func clean(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var l = line
            while let last = l.last, last == " " || last == "\t" || last == "\r" || last == "\u{0C}" { l = l.dropLast() }
            return l
        }
        while let f = lines.first, f.isEmpty { lines.removeFirst() }
        while let l = lines.last, l.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// The result of OCRing one record: the `ocr` value and the per-image problems to report.
struct RecordOCRResult: Sendable {
    var ocr: JSON
    var problems: [String]
}

/// The engine one worker reads images with (`--engine`).
enum OCREngine {
    case tesseract(TesseractEngine)
    case ppocr(PPOCREngine)

    /// The name written into `ocr.engine`.
    var name: String {
        switch self {
        case .tesseract: return "tesseract"
        case .ppocr: return "ppocr"
        }
    }

    func recognize(_ image: DecodedImage, timeoutMs: Int) -> Recognition {
        switch self {
        case .tesseract(let e): return e.recognize(image, timeoutMs: timeoutMs)
        case .ppocr(let e): return e.recognize(image, timeoutMs: timeoutMs)
        }
    }
}

/// Builds a record's `ocr` value: `{"text", "images": [{"path","text","confidence","width","height"
/// [, "lines"]}], "engine"}`.
enum RecordOCR {
    /// The `ocr` value of a record without images.
    static func empty(engine: String) -> JSON { .object([("text", ""), ("images", .array([])), ("engine", .string(engine))]) }

    /// One line's JSON: `{"text", "box": [x0, y0, x1, y1], "confidence"}`.
    static func json(_ line: TextLine) -> JSON {
        .object([("text", .string(line.text)), ("box", .array(line.box.map { .int(Int64($0)) })), ("confidence", .int(Int64(line.confidence)))])
    }

    /// OCRs every image of `paths` with `engine`.
    static func run(paths: [String], engine: OCREngine, settings: OCRSettings) -> RecordOCRResult {
        var images: [JSON] = []
        var texts: [String] = []
        var problems: [String] = []
        for path in paths {
            let file = ImagePaths.resolve(path, root: settings.imageRoot)
            var entry: [(String, JSON)] = [("path", .string(path))]
            func fail(_ message: String, _ w: Int, _ h: Int) {
                entry += [("text", ""), ("confidence", 0), ("width", .int(Int64(w))), ("height", .int(Int64(h)))]
                if case .ppocr = engine { entry.append(("lines", .array([]))) }
                entry.append(("error", .string(message)))
                problems.append("image \(shorten(path)): \(message)")
            }
            switch settings.decoder.decode(path: file) {
            case .failure(let e):
                fail(e.message, e.width, e.height)
            case .success(let decoded):
                let image = settings.preparation.apply(to: decoded)
                switch engine.recognize(image, timeoutMs: settings.timeoutMs) {
                case .failure(let message):
                    fail(message, decoded.width, decoded.height)
                case .success(let page):
                    entry += [("text", .string(page.text)), ("confidence", .int(Int64(page.confidence))),
                              ("width", .int(Int64(decoded.width))), ("height", .int(Int64(decoded.height)))]
                    if let lines = page.lines { entry.append(("lines", .array(lines.map(json)))) }
                    if !page.text.isEmpty { texts.append(page.text) }
                }
            }
            images.append(.object(entry))
        }
        return RecordOCRResult(ocr: .object([("text", .string(texts.joined(separator: "\n"))), ("images", .array(images)),
                                             ("engine", .string(engine.name))]),
                               problems: problems)
    }

    static func shorten(_ s: String) -> String { s.count > 120 ? String(s.prefix(117)) + "..." : s }
}
