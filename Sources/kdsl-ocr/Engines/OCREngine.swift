import Images

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
