/// The columns a terminal gives a character: 0 for combining marks and controls, 2 for East Asian
/// wide and full-width characters (CJK, Hangul, full-width forms, most emoji), else 1. Labels such
/// as `物流查询` are aligned by this width, not by their character count.
public func displayWidth(_ text: String) -> Int {
    var width = 0
    for scalar in text.unicodeScalars {
        let v = scalar.value
        switch v {
        case 0..<0x20, 0x7F..<0xA0, 0x200B...0x200F: continue
        case 0x0300...0x036F, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F: continue
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            width += 2
        default: width += 1
        }
    }
    return width
}

/// Whether a terminal acts on the scalar instead of showing it: C0 controls (a newline would forge
/// a table row, ESC starts an escape sequence), DEL, C1 controls (U+009B is an 8-bit escape
/// introducer) and the Unicode line and paragraph separators.
@inline(__always) public func isDisplayControl(_ v: UInt32) -> Bool {
    v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029
}

/// `s` quoted as a JSON string for people to read: every character `isDisplayControl` names is
/// escaped (`\n`, `\t`, `\u001b`, `\u009b`), as are `"` and `\`; the rest as written.
public func quotedForDisplay(_ s: String) -> String {
    "\"" + escapingControls(s, quotes: true, newlines: false) + "\""
}

/// `s` for a terminal line (a message on stderr): each character `isDisplayControl` names is
/// written as its escape (`\t`, `\r`, `\u001b`, `\u0000`), so that a label or path quoted in a
/// message can send no escape sequence to the terminal; newlines are kept when `newlines` (a
/// usage message spans lines), else escaped too (`\n`: a value cannot forge a message line).
public func escapedForTerminal(_ s: String, newlines: Bool = false) -> String {
    guard s.unicodeScalars.contains(where: { isDisplayControl($0.value) }) else { return s }
    return escapingControls(s, quotes: false, newlines: newlines)
}

/// The one escaping loop of `quotedForDisplay` and `escapedForTerminal`: controls as JSON
/// escapes, `"` and `\` too when `quotes`, a newline kept when `newlines`.
private func escapingControls(_ s: String, quotes: Bool, newlines: Bool) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"" where quotes: out += "\\\""
        case "\\" where quotes: out += "\\\\"
        case "\n": out += newlines ? "\n" : "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if isDisplayControl(scalar.value) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

/// A value (a label, an id, a task) for a terminal: as written, unless it holds a character
/// `isDisplayControl` names; then `quotedForDisplay`, so that no value can break a table's rows
/// or send escape sequences to the terminal.
public func printableCell(_ s: String) -> String {
    s.unicodeScalars.contains { isDisplayControl($0.value) } ? quotedForDisplay(s) : s
}

/// Text cells laid out in aligned columns for people (kdsl-score's tables, kdsl-rules show):
/// padded by display width, two spaces apart, trailing spaces trimmed; a cell holding a control
/// character is shown quoted with it escaped (`printableCell`). The columns in
/// `leftAligned` (the first, unless told otherwise) are left-aligned, the others right-aligned.
public struct TextTable {
    public var rows: [[String]] = []
    public var leftAligned: Set<Int>

    public init(leftAligned: Set<Int> = [0]) { self.leftAligned = leftAligned }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], displayWidth(printableCell(cell))) } }
        var out = ""
        for row in rows {
            var line = ""
            for i in 0..<columns {
                let cell = i < row.count ? printableCell(row[i]) : ""
                let pad = String(repeating: " ", count: widths[i] - displayWidth(cell))
                if i > 0 { line += "  " }
                line += leftAligned.contains(i) ? cell + pad : pad + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
