import Testing
@testable import kdsl_model
import TextViews

@Suite struct TextHasherTests {
    @Test func sameTextSameFeatures() {
        let hasher = TextHasher(FeatureConfig())
        let text = RecordText(user: "Where is my parcel? 快递到哪了", agent: "稍等", ocr: "ORDER 123", all: "")
        var a = RawText(), b = RawText()
        hasher.extract(text, task: "intent", into: &a)
        hasher.extract(text, task: "intent", into: &b)
        #expect(a.ids == b.ids && a.counts == b.counts && a.ends == b.ends)
        #expect(!a.ids.isEmpty)
        #expect(a.ends.count == 9)  // three segments per view: word unigrams, char n-grams, higher word n-grams
    }
}
