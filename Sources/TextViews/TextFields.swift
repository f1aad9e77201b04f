import JSONLines
import RecordKeys

/// The text views of a record that rules and the model both read, named as in the rule base
/// (docs/records.md, "Text fields"): one definition, so mining, matching and training agree.
public enum TextField: String, CaseIterable, Sendable, Codable {
    /// The user's turns of `dialogue`; for records without a dialogue, `text`.
    case user
    /// The agent's turns of `dialogue`.
    case agent
    /// `ocr.text`, the text of the record's images.
    case ocr
    /// Everything: `text`, all turns of `dialogue`, and `ocr.text`.
    case all
    /// The lines near the top of the images, below the status bar (`ScreenLayout.title`).
    case title
    /// The lines at the bottom of the images: tab bar, buttons (`ScreenLayout.bottom`).
    case bottom
    /// `ocr.text` with every run of digits read as one `0` (prices, times and counts vary where
    /// the page does not); the model takes each of its lines as one token (`tokenizesByLine`).
    case lines

    /// The names, comma-separated, for help texts and messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the view is read from `ocr.images[i].lines` (the layout) rather than a text field.
    public var isLayout: Bool { self == .title || self == .bottom }

    /// Whether the model takes each line of the view as one token (its n-grams: runs of whole
    /// lines) instead of words and CJK characters: a screen's fixed strings ("申请退款", "物流详情")
    /// are features of their own. Rules match substrings in it as in any view.
    public var tokenizesByLine: Bool { self == .lines }

    /// Whether the view is built from the parsed record rather than straight from its bytes.
    public var isDerived: Bool { isLayout || self == .lines }
}

/// What is wrong with the value at `path` for a text field (a string, null or absent is fine; an
/// array too when `arrays`: a dialogue of turns), or nil: the one wording every stage reports.
func textFieldTypeProblem(_ record: Record, _ path: FieldPath, arrays: Bool) -> String? {
    switch record.value(at: path) {
    case nil, .null?, .string?: return nil
    case .array(let turns)? where arrays: return Dialogue.problem(.array(turns), path: "\(path)")
    case let v?: return "\(path) is \(v.kindName), expected a string\(arrays ? " or an array of turns" : "")"
    }
}

/// Where the layout views are read: `ocr.images` beside the OCR text at `ocr` (a path ending in
/// `text`), nil for a path of another shape (then the layout views are empty).
public func layoutPath(besideOCR ocr: FieldPath) -> FieldPath? {
    guard let last = ocr.keys.last, last == "text" else { return nil }
    return FieldPath(keys: Array(ocr.keys.dropLast()) + ["images"])
}

/// The text views of one record, computed once.
public struct RecordText: Sendable {
    public var user: String
    public var agent: String
    public var ocr: String
    public var all: String
    public var title: String
    public var bottom: String
    public var lines: String

    /// Builds the views from `text`, `dialogue` (tagged text or `{role, text}` turns), `ocr.text`
    /// and, beside it, `ocr.images` (`ScreenLayout`). Missing fields are empty strings, never errors.
    public init(_ record: Record, text: FieldPath = "text", dialogue: FieldPath = "dialogue", ocr: FieldPath = OCRValue.textPath) {
        let plain = record.string(at: text) ?? ""
        let turns = record.value(at: dialogue).flatMap { Dialogue(json: $0) }
        let user = turns?.userText ?? ""
        self.user = user.isEmpty ? plain : (plain.isEmpty ? user : plain + "\n" + user)
        self.agent = turns?.agentText ?? ""
        self.ocr = record.string(at: ocr) ?? ""
        self.all = [plain, turns.map { $0.turns.map(\.text).joined(separator: "\n") } ?? "", self.ocr]
            .filter { !$0.isEmpty }.joined(separator: "\n")
        let layout = ScreenLayout(json: layoutPath(besideOCR: ocr).flatMap { record.value(at: $0) })
        title = layout.title
        bottom = layout.bottom
        lines = RecordText.foldingDigits(self.ocr)
    }

    public init(user: String, agent: String, ocr: String, all: String, title: String = "", bottom: String = "") {
        self.user = user; self.agent = agent; self.ocr = ocr; self.all = all; self.title = title; self.bottom = bottom
        lines = RecordText.foldingDigits(ocr)
    }

    /// `text` with each maximal run of ASCII digits replaced by one "0" (the `lines` view).
    public static func foldingDigits(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var inDigits = false
        for b in text.utf8 {
            if b >= 0x30 && b <= 0x39 {
                if !inDigits { out.append(0x30) }
                inDigits = true
            } else {
                out.append(b)
                inDigits = false
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What is wrong with the types of the fields the views are built from (`text` and `ocr` must
    /// be strings, `dialogue` a string or an array of turns; null or absent is fine), or nil. A
    /// stage reports such a record as bad rather than read the field as empty text.
    public static func typeProblem(_ record: Record, text: FieldPath = "text", dialogue: FieldPath = "dialogue", ocr: FieldPath = OCRValue.textPath) -> String? {
        textFieldTypeProblem(record, text, arrays: false) ?? textFieldTypeProblem(record, dialogue, arrays: true)
            ?? textFieldTypeProblem(record, ocr, arrays: false)
    }

    /// The view named by `field`.
    public subscript(field: TextField) -> String {
        switch field {
        case .user: return user
        case .agent: return agent
        case .ocr: return ocr
        case .all: return all
        case .title: return title
        case .bottom: return bottom
        case .lines: return lines
        }
    }
}
