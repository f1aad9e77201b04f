import RecordKeys

/// One line PP-OCR read (`ocr.images[i].lines[j]`): its text, its axis-aligned box in the
/// original image's pixels (x0, y0, x1, y1) and its confidence 0-100 (mean character probability × 100).
typealias TextLine = OCRValue.Line

/// What an engine read in one image: its text, a confidence 0-100, and, for engines that give
/// them, the lines with their boxes in reading order.
struct PageReading: Equatable, Sendable {
    var text: String
    var confidence: Int
    var lines: [TextLine]?
}

/// The outcome of recognising one image.
enum Recognition: Equatable {
    case success(PageReading)
    case failure(String)
}

/// A setup failure while loading an engine (exit 2).
struct EngineSetupError: Error { let message: String; init(_ m: String) { message = m } }
