import Testing
@testable import Basics

@Suite struct TextTableTests {
    @Test func displayWidthCountsCJKAsTwoColumns() {
        #expect(displayWidth("物流查询") == 8)
        #expect(displayWidth("abc") == 3)
        #expect(displayWidth("e\u{301}") == 1)
        #expect(displayWidth("ＡＢ") == 4)
    }

    @Test func columnsAlignByDisplayWidth() {
        var t = TextTable()
        t.add(["物流", "1"])
        t.add(["abcd", "22"])
        #expect(t.render() == "物流   1\nabcd  22\n")
    }

    /// A value quoted in a message reaches the terminal with its controls escaped: no escape
    /// sequence, no NUL, no forged line; a usage message keeps its own newlines.
    @Test func messagesEscapeControlCharacters() {
        #expect(escapedForTerminal("plain 物流") == "plain 物流")
        #expect(escapedForTerminal("x\u{0}y") == "x\\u0000y")
        #expect(escapedForTerminal("\u{1B}[31mred\t\r") == "\\u001b[31mred\\t\\r")
        #expect(escapedForTerminal("a\nb") == "a\\nb")
        #expect(escapedForTerminal("a\nb\u{9B}", newlines: true) == "a\nb\\u009b")
    }
}
