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
}
