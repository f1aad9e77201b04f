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

    /// The names, comma-separated, for help texts and messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the view is read from `ocr.images[i].lines` (the layout) rather than a text field.
    public var isLayout: Bool { self == .title || self == .bottom }
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

    /// Builds the views from `text`, `dialogue` (tagged text or `{role, text}` turns), `ocr.text`
    /// and, beside it, `ocr.images` (`ScreenLayout`). Missing fields are empty strings, never errors.
    public init(_ record: Record, text: FieldPath = "text", dialogue: FieldPath = "dialogue", ocr: FieldPath = "ocr.text") {
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
    }

    public init(user: String, agent: String, ocr: String, all: String, title: String = "", bottom: String = "") {
        self.user = user; self.agent = agent; self.ocr = ocr; self.all = all; self.title = title; self.bottom = bottom
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
        }
    }
}
