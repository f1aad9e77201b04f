import Testing
@testable import kdsl_model

@Suite struct LabelNamesTests {
    /// The text embedded for a label: `_` and runs of white space one space, none at the ends;
    /// none without a letter.
    @Test func textOfLabel() {
        #expect(LabelNames.text(of: "card_arrival") == "card arrival")
        #expect(LabelNames.text(of: "_top__up_ ") == "top up")
        #expect(LabelNames.text(of: "物流页面-物流跟踪页面") == "物流页面-物流跟踪页面")
        #expect(LabelNames.text(of: "a\tb\nc") == "a b c")
        #expect(LabelNames.text(of: "__") == nil)
        #expect(LabelNames.text(of: "") == nil)
        // A class number names nothing: no letter, no name.
        #expect(LabelNames.text(of: "12") == nil)
        #expect(LabelNames.text(of: "-1") == nil)
        #expect(LabelNames.text(of: "class_2") == "class 2")
    }

    /// The choices of `--mix auto`: every view, then each alone; each without, then with the
    /// names when there are names.
    @Test func candidatesWithAndWithoutNames() {
        let shape = EmbeddingShape(encoder: "e", views: ["ocr", "user"], dimension: 4)
        #expect(shape.candidates(names: false).map(\.summary) == ["ocr,user", "ocr", "user"])
        #expect(shape.candidates(names: true).map(\.summary) == ["ocr,user", "ocr,user+names", "ocr", "ocr+names", "user", "user+names"])
        let one = EmbeddingShape(encoder: "e", views: ["user"], dimension: 4)
        #expect(one.candidates(names: true).map(\.summary) == ["user", "user+names"])
    }
}
