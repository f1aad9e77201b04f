import JSONLines
import RecordKeys

/// The text views of a record that rules and the model both read, named as in the rule base
/// (docs/records.md, "Text views"): one definition, so mining, matching and training agree.
public enum TextView: String, CaseIterable, Sendable, Codable {
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
    /// The user's last turn that says something (`Dialogue.lastUserWords`): in a dialogue the
    /// user's latest request is what its intent is about, and a turn that is only a tag such as
    /// `<image>` or `<http>` stands for something sent, not said; for a record without such a
    /// turn, `text`.
    case last

    /// A fixed index per view, 0..<allCases.count (never the enum's hash): the order rules sort
    /// by and the slot of the view in tables indexed by view.
    public var ordinal: Int {
        switch self { case .user: return 0; case .agent: return 1; case .ocr: return 2; case .all: return 3; case .title: return 4; case .bottom: return 5; case .lines: return 6; case .last: return 7 }
    }

    /// The names, comma-separated, for help texts and messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether the view is read from `ocr.images[i].lines` (the layout) rather than a text field.
    public var isLayout: Bool { self == .title || self == .bottom }

    /// Whether the model takes each line of the view as one token (its n-grams: runs of whole
    /// lines) instead of words and CJK characters: a screen's fixed strings ("申请退款", "物流详情")
    /// are features of their own. Rules match substrings in it as in any view.
    public var tokenizesByLine: Bool { self == .lines }

    /// Whether the view is built from the parsed record rather than straight from its bytes.
    public var isDerived: Bool { isLayout || self == .lines || self == .last }
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
