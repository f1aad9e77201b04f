import JSONLines

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
/// array, each element is `{"role", "text"}` (also `speaker`/`content`), or a string read as
/// tagged text on its own (`["User: …", "Agent: …"]`). Unknown or absent roles count as user.
/// Any other element (a number, a turn without a string text) is a bad record: `problem(_:path:)`
/// says what is wrong, so that no stage reads it as empty text.
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

    /// The last user turn with a letter or digit outside `<...>` tags (the `last` view), or nil:
    /// a turn such as `<image>`, `"<http>"` or `[<image>]` is a placeholder of something sent.
    public var lastUserWords: String? {
        turns.last { $0.speaker == .user && Dialogue.saysSomething($0.text) }?.text
    }

    /// Whether `text` has a letter or a digit outside `<...>` tags (a `<`, then no space or `<`
    /// up to a `>`; a `<` without its `>`, as in "<3 love it", is text).
    static func saysSomething(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            if s[i] == "<", let end = s[(i + 1)...].firstIndex(where: { $0 == ">" || $0 == "<" || $0.properties.isWhitespace }), s[end] == ">" {
                i = end + 1
                continue
            }
            if s[i].properties.isAlphabetic || s[i].properties.numericType != nil { return true }
            i += 1
        }
        return false
    }

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
        // Works on UTF-8 bytes: splitting by Character (grapheme breaking) and lower-casing every
        // candidate tag as a String dominated rule matching and featurising (measured with perf).
        var turns: [(speaker: Speaker, text: String)] = []
        var text = text
        text.withUTF8 { bytes in
            Dialogue.splitLines(bytes, open: { speaker, rest in
                turns.append((speaker, String(decoding: rest, as: UTF8.self).trimmingSpaces()))
            }, continueTurn: { line in
                turns[turns.count - 1].text += "\n" + String(decoding: line, as: UTF8.self)
            })
        }
        self.turns = turns
    }

    /// The one reading of tagged dialogue text, for `init(text:)` and TextBytes' byte views: each
    /// non-empty line (split at "\n" or "\r"; "\r\n" leaves an empty line, which is skipped)
    /// that starts with a speaker tag opens a turn with the rest of the line; another line
    /// continues the current turn, or before any tag opens a user turn. `open` gets the speaker
    /// and the text after the tag (untrimmed), `continueTurn` the whole line.
    @inline(__always)
    static func splitLines(_ bytes: UnsafeBufferPointer<UInt8>, open: (Speaker, UnsafeBufferPointer<UInt8>) -> Void,
                           continueTurn: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0, opened = false
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
            if end > start {
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if let (speaker, restStart) = Dialogue.splitTag(line) {
                    open(speaker, UnsafeBufferPointer(rebasing: line[restStart...]))
                    opened = true
                } else if opened {
                    continueTurn(line)
                } else {
                    open(.user, line)
                    opened = true
                }
            }
            start = end + 1
        }
    }

    /// Reads turns from a JSON array of `{role, text}` objects or from a string with speaker tags.
    public init?(json: JSON) {
        switch json {
        case .string(let s): self.init(text: s)
        case .array(let items):
            var turns: [(speaker: Speaker, text: String)] = []
            for item in items {
                if case .string(let s) = item {
                    turns += Dialogue(text: s).turns
                    continue
                }
                let role = (item["role"] ?? item["speaker"])?.stringValue ?? ""
                guard let text = (item["text"] ?? item["content"])?.stringValue else { continue }
                turns.append((Dialogue.speaker(ofRole: role) ?? .user, text))
            }
            self.init(turns: turns)
        default: return nil
        }
    }

    /// What is wrong with a dialogue given as an array (`path` names it in the message), or nil:
    /// each element must be a string or a turn object whose `text` (or `content`) is a string and
    /// whose `role` (or `speaker`), when present and not null, is a string.
    public static func problem(_ json: JSON, path: String) -> String? {
        guard case .array(let items) = json else { return nil }
        for (i, item) in items.enumerated() {
            switch item {
            case .string: continue
            case .object:
                let roleKey = item["role"] != nil ? "role" : "speaker"
                if let role = item[roleKey], !role.isNull, role.stringValue == nil {
                    return "\(path)[\(i)].\(roleKey) is \(role.kindName), expected a string"
                }
                let textKey = item["text"] != nil ? "text" : "content"
                guard let text = item[textKey] else {
                    return "\(path)[\(i)] has no text: a turn is {\"role\", \"text\"} or {\"speaker\", \"content\"}"
                }
                if text.stringValue == nil { return "\(path)[\(i)].\(textKey) is \(text.kindName), expected a string" }
            default:
                return "\(path)[\(i)] is \(item.kindName), expected a turn {\"role\", \"text\"} or a string"
            }
        }
        return nil
    }

    /// Speaker tags as lower-case UTF-8, for byte comparison.
    static let tagBytes: [([UInt8], Speaker)] = tags.map { (Array($0.0.utf8), $0.1) }

    /// If `line` starts with a speaker tag and a colon (ASCII or full-width), the speaker and the
    /// offset just past the colon. Tags are compared ASCII-case-insensitively, spaces around them ignored.
    static func splitTag(_ line: UnsafeBufferPointer<UInt8>) -> (Speaker, Int)? {
        let limit = min(line.count, 48)
        var colon = -1, after = 0
        var i = 0
        while i < limit {
            if line[i] == 0x3A { colon = i; after = i + 1; break }
            if line[i] == 0xEF && i + 2 < line.count && line[i + 1] == 0xBC && line[i + 2] == 0x9A { colon = i; after = i + 3; break }
            i += 1
        }
        guard colon > 0 else { return nil }
        var a = 0, b = colon
        while a < b && (line[a] == 0x20 || line[a] == 0x09) { a += 1 }
        while b > a && (line[b - 1] == 0x20 || line[b - 1] == 0x09) { b -= 1 }
        let length = b - a
        guard length > 0 else { return nil }
        for (tag, speaker) in tagBytes where tag.count == length {
            var same = true
            for k in 0..<length {
                var c = line[a + k]
                if c >= 0x41 && c <= 0x5A { c += 32 }
                if c != tag[k] { same = false; break }
            }
            if same { return (speaker, after) }
        }
        return nil
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
