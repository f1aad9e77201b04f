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
}

/// The four text views of one record, computed once.
public struct RecordText: Sendable {
    public var user: String
    public var agent: String
    public var ocr: String
    public var all: String

    /// Builds the views from `text`, `dialogue` (tagged text or `{role, text}` turns) and `ocr.text`.
    /// Missing fields are empty strings, never errors.
    public init(_ record: Record, text: FieldPath = "text", dialogue: FieldPath = "dialogue", ocr: FieldPath = "ocr.text") {
        let plain = record.string(at: text) ?? ""
        let turns = record.value(at: dialogue).flatMap { Dialogue(json: $0) }
        let user = turns?.userText ?? ""
        self.user = user.isEmpty ? plain : (plain.isEmpty ? user : plain + "\n" + user)
        self.agent = turns?.agentText ?? ""
        self.ocr = record.string(at: ocr) ?? ""
        self.all = [plain, turns.map { $0.turns.map(\.text).joined(separator: "\n") } ?? "", self.ocr]
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }

    public init(user: String, agent: String, ocr: String, all: String) {
        self.user = user; self.agent = agent; self.ocr = ocr; self.all = all
    }

    /// The view named by `field`.
    public subscript(field: TextField) -> String {
        switch field {
        case .user: return user
        case .agent: return agent
        case .ocr: return ocr
        case .all: return all
        }
    }
}
