import Testing
@testable import kdsl_model

@Suite struct ModelBuilderTests {
    /// A text candidate replaces the default only when it wins clearly (McNemar, 2 standard
    /// deviations, and more than 1% of the records).
    @Test func textChoiceNeedsAClearWin() {
        func results(_ n: Int, gained: Int, lost: Int) -> (best: [Bool], first: [Bool]) {
            var best = [Bool](repeating: true, count: n), first = best
            for i in 0..<gained { first[i] = false }
            for i in gained..<(gained + lost) { best[i] = false }
            return (best, first)
        }
        let small = results(80, gained: 2, lost: 0)  // the bundled sample's intent head: 74 vs 72
        #expect(!ModelBuilder.clearlyBetter(small.best, than: small.first).clear)
        let noisy = results(300, gained: 29, lost: 17)  // 12 more right, but 46 records changed
        #expect(!ModelBuilder.clearlyBetter(noisy.best, than: noisy.first).clear)
        let clear = results(300, gained: 20, lost: 2)
        #expect(ModelBuilder.clearlyBetter(clear.best, than: clear.first) == (true, 20, 2))
        let tiny = results(1000, gained: 9, lost: 0)  // 3σ, but under 1% of the records
        #expect(!ModelBuilder.clearlyBetter(tiny.best, than: tiny.first).clear)
    }
}
