import JSONLines

/// The `ocr` key kdsl-ocr writes: `{"text", "images": [{"path", "text", "confidence", "width",
/// "height" [, "lines"] [, "error"]}], "engine"}`. `text` joins the non-empty texts of the images
/// with "\n"; `lines` (PP-OCR) holds each line with its box in reading order.
public struct OCRValue: Sendable, Equatable {
    /// The key kdsl-ocr writes, and the path of its text (the `ocr` text view's default field).
    public static let key = "ocr"
    public static let textPath = FieldPath("ocr.text")
    /// The path of the images' array, where the layout views read the lines.
    public static let imagesPath = FieldPath("ocr.images")

    /// One line of text an engine read: its box in the image's pixels, `[x0, y0, x1, y1]`.
    public struct Line: Sendable, Equatable {
        public var text: String
        public var box: [Int]
        public var confidence: Int
        public init(text: String, box: [Int], confidence: Int) {
            self.text = text
            self.box = box
            self.confidence = confidence
        }

        public var json: JSON {
            .object([("text", .string(text)), ("box", .array(box.map { .int(Int64($0)) })), ("confidence", .int(Int64(confidence)))])
        }
    }

    /// What was read from one image. An image that could not be read has empty text, zero
    /// confidence, the size known so far and `error`.
    public struct Image: Sendable, Equatable {
        public var path: String
        public var text: String
        public var confidence: Int
        public var width: Int
        public var height: Int
        /// nil for an engine that reports no lines (Tesseract); [] for one that found none.
        public var lines: [Line]?
        public var error: String?
        public init(path: String, text: String, confidence: Int, width: Int, height: Int, lines: [Line]?, error: String? = nil) {
            self.path = path
            self.text = text
            self.confidence = confidence
            self.width = width
            self.height = height
            self.lines = lines
            self.error = error
        }

        public var json: JSON {
            var members: [(String, JSON)] = [("path", .string(path)), ("text", .string(text)), ("confidence", .int(Int64(confidence))),
                                             ("width", .int(Int64(width))), ("height", .int(Int64(height)))]
            if let lines { members.append(("lines", .array(lines.map(\.json)))) }
            if let error { members.append(("error", .string(error))) }
            return .object(members)
        }
    }

    public var images: [Image]
    public var engine: String
    public init(images: [Image], engine: String) {
        self.images = images
        self.engine = engine
    }

    /// The texts of the images that have one, joined by "\n".
    public var text: String { images.map(\.text).filter { !$0.isEmpty }.joined(separator: "\n") }

    public var json: JSON {
        .object([("text", .string(text)), ("images", .array(images.map(\.json))), ("engine", .string(engine))])
    }

    /// The sized images and their lines in an `ocr.images` value, for views that read what they
    /// can: an image without a positive size or lines, and a line without text or a box of four
    /// numbers, are skipped. Boxes come back as numbers (a hand-made record may hold fractions).
    public static func linesOfImages(_ images: JSON?) -> [(width: Double, height: Double, lines: [(text: String, box: [Double])])] {
        guard let list = images?.arrayValue else { return [] }
        var out: [(width: Double, height: Double, lines: [(text: String, box: [Double])])] = []
        for image in list {
            guard let w = image["width"]?.doubleValue, let h = image["height"]?.doubleValue, w > 0, h > 0,
                  let lines = image["lines"]?.arrayValue else { continue }
            var read: [(text: String, box: [Double])] = []
            read.reserveCapacity(lines.count)
            for line in lines {
                guard let text = line["text"]?.stringValue, let box = line["box"]?.arrayValue, box.count == 4 else { continue }
                let b = box.compactMap(\.doubleValue)
                guard b.count == 4 else { continue }
                read.append((text, b))
            }
            out.append((w, h, read))
        }
        return out
    }
}
