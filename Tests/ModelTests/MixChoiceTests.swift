import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import kdsl_model

@Suite struct MixChoiceTests {
    @Test func mixScores() {
        let pn: [[Float]?] = [[0.9, 0.1], [0.6, 0.4], nil]
        let pe: [[Float]?] = [[0.2, 0.8], [0.1, 0.9], [0.5, 0.5]]
        let gold = [0, 1, 0]
        // n-gram alone: record 1 wrong; embedding alone: record 0 wrong; the third is skipped.
        #expect(ModelBuilder.mixScore(pn, pe, gold: gold, classes: 2, mix: 1, criterion: .f1) == 1.0 / 3.0)
        #expect(ModelBuilder.mixScore(pn, pe, gold: gold, classes: 2, mix: 0.5, criterion: .f1) == 1)
        let loss = ModelBuilder.mixScore(pn, pe, gold: gold, classes: 2, mix: 0.5, criterion: .loss)
        #expect(abs(loss - (log(0.55) + log(0.65)) / 2) < 1e-5)
    }
}
