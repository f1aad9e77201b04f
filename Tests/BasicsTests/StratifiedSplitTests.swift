import Testing
@testable import Basics

@Suite struct StratifiedSplitTests {
    let keys = ["b", "a", "b", "c", "a", "b", "b", "a", "c", "b", "a", "b"]

    /// Each stratum holds exactly the indices of its key, strata in key order.
    func checkStrata(_ strata: [[Int]]) {
        #expect(strata.count == 3)
        for (stratum, key) in zip(strata, ["a", "b", "c"]) {
            #expect(stratum.sorted() == keys.indices.filter { keys[$0] == key })
        }
    }

    @Test func strataHoldTheirKeysInKeyOrder() {
        checkStrata(StratifiedSplit.strata(keys, seed: 5))
        var rng = SeededRNG(seed: 5)
        checkStrata(StratifiedSplit.strata(keys, by: <, rng: &rng))
    }

    /// The seeds are part of every rule file's folds: these orders must not change (computed
    /// independently, with a Python transcription of FNV-1a, SplitMix64, xoshiro256** and the shuffle).
    @Test func knownOrders() {
        #expect(StratifiedSplit.strata(keys, seed: 1) == [[4, 10, 1, 7], [6, 5, 0, 9, 11, 2], [3, 8]])
        var rng = SeededRNG(seed: 1)
        #expect(StratifiedSplit.strata(keys, by: <, rng: &rng) == [[7, 1, 10, 4], [0, 9, 6, 5, 2, 11], [3, 8]])
    }

    /// A stratum with its own seed keeps its order when another stratum goes; with one shared
    /// generator, the strata after it are shuffled by other draws.
    @Test func ownSeedsDoNotDependOnOtherStrata() {
        let withoutA = keys.filter { $0 != "a" }
        let bIndices = keys.indices.filter { keys[$0] == "b" }
        let bAlone = StratifiedSplit.strata(withoutA, seed: 9)[0].map { withoutA.indices.filter { withoutA[$0] == "b" }.firstIndex(of: $0)! }
        let bWithA = StratifiedSplit.strata(keys, seed: 9)[1].map { bIndices.firstIndex(of: $0)! }
        #expect(bAlone == bWithA)
    }

    @Test func foldsWithinAndAcrossStrata() {
        let strata = [[4, 0, 2], [1], [3], [5]]
        #expect(StratifiedSplit.folds(strata, count: 6, folds: 3, numbering: .withinStratum) == [1, 0, 2, 0, 0, 0])
        #expect(StratifiedSplit.folds(strata, count: 6, folds: 3, numbering: .acrossStrata) == [1, 0, 2, 1, 0, 2])
        // Every stratum spread over the folds as evenly as it can be.
        let many = StratifiedSplit.strata(keys, seed: 3)
        let fold = StratifiedSplit.folds(many, count: keys.count, folds: 2, numbering: .withinStratum)
        for stratum in many {
            let zeros = stratum.filter { fold[$0] == 0 }.count
            #expect(zeros - (stratum.count - zeros) == stratum.count % 2)
        }
        #expect(StratifiedSplit.folds(many, count: keys.count, folds: 1, numbering: .acrossStrata) == Array(repeating: 0, count: keys.count))
    }
}
