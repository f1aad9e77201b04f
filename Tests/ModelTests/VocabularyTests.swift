import Testing
@testable import kdsl_model

@Suite struct VocabularyTests {
    @Test func weighingIsUnitLengthPerNamespace() {
        let s = tinyProblem()
        let vocabulary = Vocabulary.build(s.map(\.raw))
        var rows: [Int32] = [], values: [Float] = []
        vocabulary.weigh(s[0].raw, config: FeatureConfig(), rows: &rows, values: &values)
        let norm = values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-5)
        for (r, id) in zip(rows, rows.map { vocabulary.ids[Int($0)] }) { #expect(vocabulary.row(id) == r) }
        #expect(vocabulary.row(0x7FFF_FFFE) == -1 || vocabulary.ids.contains(0x7FFF_FFFE))
    }
}
