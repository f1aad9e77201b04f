/// Who said a turn.
public enum Speaker: String, Sendable {
    case user, agent
}

/// A dialogue split into turns, with the user's and the agent's text apart (paper §2: "user and
/// agent utterances are separated").
///
/// Contract: from text, each line starting with a known speaker tag (`用户:`, `客服:`, `User:`,
/// `Agent:`, `Customer:`, `Assistant:`..., ASCII or full-width colon, case-insensitive) opens a
/// turn; other lines continue the current turn (or, before any tag, count as the user's). From an
/// array, each element is `{"role", "text"}` (also `speaker`/`content`). Unknown roles count as user.
public struct Dialogue: Sendable, Equatable {
    public var turns: [(speaker: Speaker, text: String)]

    public static func == (a: Dialogue, b: Dialogue) -> Bool {
        a.turns.count == b.turns.count && zip(a.turns, b.turns).allSatisfy { $0.speaker == $1.speaker && $0.text == $1.text }
    }

    public init(turns: [(speaker: Speaker, text: String)]) { self.turns = turns }

    /// All user turns joined by newlines.
    public var userText: String { turns.filter { $0.speaker == .user }.map(\.text).joined(separator: "\n") }
    /// All agent turns joined by newlines.
    public var agentText: String { turns.filter { $0.speaker == .agent }.map(\.text).joined(separator: "\n") }

    static let tags: [(String, Speaker)] = [
        ("用户", .user), ("顾客", .user), ("买家", .user), ("客户", .user), ("user", .user), ("customer", .user),
        ("客服", .agent), ("商家", .agent), ("卖家", .agent), ("agent", .agent), ("assistant", .agent),
        ("system", .agent), ("bot", .agent),
    ]

    /// The speaker of a role name, or nil when unknown.
    public static func speaker(ofRole role: String) -> Speaker? {
        let r = role.lowercased().trimmingSpaces()
        return tags.first(where: { $0.0 == r })?.1
    }

    /// Splits text with speaker tags into turns.
    public init(text: String) {
        var turns: [(speaker: Speaker, text: String)] = []
        // Split on every line end: "\r\n" is one Character in Swift, so splitting on "\n" alone
        // would leave CRLF dialogues as a single line.
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
            let line = String(rawLine)
            if let (speaker, rest) = Dialogue.splitTag(line) {
                turns.append((speaker, rest))
            } else if !turns.isEmpty {
                turns[turns.count - 1].text += "\n" + line
            } else {
                turns.append((.user, line.trimmingSpaces()))
            }
        }
        self.turns = turns
    }

    /// Reads turns from a JSON array of `{role, text}` objects or from a string with speaker tags.
    public init?(json: JSON) {
        switch json {
        case .string(let s): self.init(text: s)
        case .array(let items):
            var turns: [(speaker: Speaker, text: String)] = []
            for item in items {
                let role = (item["role"] ?? item["speaker"])?.stringValue ?? ""
                guard let text = (item["text"] ?? item["content"])?.stringValue else { continue }
                turns.append((Dialogue.speaker(ofRole: role) ?? .user, text))
            }
            self.init(turns: turns)
        default: return nil
        }
    }

    static func splitTag(_ line: String) -> (Speaker, String)? {
        guard let colon = line.firstIndex(where: { $0 == ":" || $0 == "：" }) else { return nil }
        let tag = line[..<colon]
        guard tag.count <= 12, let speaker = speaker(ofRole: String(tag)) else { return nil }
        return (speaker, String(line[line.index(after: colon)...]).trimmingSpaces())
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" })!
        return String(scalars[first...last])
    }
}
