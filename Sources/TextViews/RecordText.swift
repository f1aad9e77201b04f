import JSONLines
import RecordKeys

/// The text views of one record, computed once.
public struct RecordText: Sendable {
    public var user: String
    public var agent: String
    public var ocr: String
    public var all: String
    public var title: String
    public var bottom: String
    public var lines: String
    public var last: String

    /// Builds the views from `text`, `dialogue` (tagged text or `{role, text}` turns), `ocr.text`
    /// and, beside it, `ocr.images` (`ScreenLayout`). Missing fields are empty strings, never errors.
    public init(_ record: Record, text: FieldPath = "text", dialogue: FieldPath = "dialogue", ocr: FieldPath = OCRValue.textPath) {
        let plain = record.string(at: text) ?? ""
        let turns = record.value(at: dialogue).flatMap { Dialogue(json: $0) }
        let user = turns?.userText ?? ""
        self.user = user.isEmpty ? plain : (plain.isEmpty ? user : plain + "\n" + user)
        self.agent = turns?.agentText ?? ""
        self.last = RecordText.last(turns, plain: plain)
        self.ocr = record.string(at: ocr) ?? ""
        self.all = [plain, turns.map { $0.turns.map(\.text).joined(separator: "\n") } ?? "", self.ocr]
            .filter { !$0.isEmpty }.joined(separator: "\n")
        let layout = ScreenLayout(json: layoutPath(besideOCR: ocr).flatMap { record.value(at: $0) })
        title = layout.title
        bottom = layout.bottom
        lines = RecordText.foldingDigits(self.ocr)
    }

    public init(user: String, agent: String, ocr: String, all: String, title: String = "", bottom: String = "", last: String? = nil) {
        self.user = user; self.agent = agent; self.ocr = ocr; self.all = all; self.title = title; self.bottom = bottom
        self.last = last ?? user
        lines = RecordText.foldingDigits(ocr)
    }

    /// The `last` view of `record` alone, without building the others (TextBytes' derived view).
    public static func last(_ record: Record, text: FieldPath = "text", dialogue: FieldPath = "dialogue") -> String {
        last(record.value(at: dialogue).flatMap { Dialogue(json: $0) }, plain: record.string(at: text) ?? "")
    }

    /// The `last` view: the user's last turn that says something, else the plain text.
    static func last(_ turns: Dialogue?, plain: String) -> String { turns?.lastUserWords ?? plain }

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
    public subscript(field: TextView) -> String {
        switch field {
        case .user: return user
        case .agent: return agent
        case .ocr: return ocr
        case .all: return all
        case .title: return title
        case .bottom: return bottom
        case .lines: return lines
        case .last: return last
        }
    }
}
