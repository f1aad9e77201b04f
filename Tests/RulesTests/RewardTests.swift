import Testing
@testable import kdsl_rules

@Suite struct RewardTests {
    @Test func wilsonLowerBoundMatchesTheFormula() {
        // 10/10 at z = 1.96: n/(n+z²).
        #expect(abs(Reward.wilsonLowerBound(hits: 10, n: 10, z: 1.96) - 10 / (10 + 1.96 * 1.96)) < 1e-12)
        // 8/10 at z = 1.96 ≈ 0.4902 (tables of the Wilson interval).
        #expect(abs(Reward.wilsonLowerBound(hits: 8, n: 10, z: 1.96) - 0.4902) < 1e-4)
        #expect(Reward.wilsonLowerBound(hits: 0, n: 0, z: 1) == 0)
        #expect(Reward.wilsonLowerBound(hits: 0, n: 5, z: 1) == 0)
        #expect(Reward.wilsonLowerBound(hits: 5, n: 5, z: 0) == 1)
    }

    @Test func moreSupportAtTheSamePrecisionEarnsMore() {
        var last = 0.0
        for n in [3, 6, 12, 24, 48] {
            let w = Reward.wilsonLowerBound(hits: n, n: n, z: 1)
            #expect(w > last && w <= 1)
            last = w
        }
        for (h, n) in [(3, 4), (9, 10), (1, 7)] { #expect(Reward.wilsonLowerBound(hits: h, n: n, z: 1) <= Double(h) / Double(n)) }
    }

    @Test func errorDrivenRewardNeedsMoreCorrectionsThanBreaks() {
        #expect(Reward.of(.init(fired: 10, hits: 3, broken: 3), against: true, z: 1) == 0)
        #expect(Reward.of(.init(fired: 10, hits: 8, broken: 0), against: true, z: 1) == Reward.wilsonLowerBound(hits: 8, n: 8, z: 1))
        #expect(Reward.of(.init(fired: 10, hits: 8, broken: 0), against: false, z: 1) == Reward.wilsonLowerBound(hits: 8, n: 10, z: 1))
    }
}
