/// Seeded stratified splits: records grouped by a key (their label, or their task and label), the
/// members of each group (stratum) shuffled with `SeededRNG`, so that every fold or sample keeps
/// each group's share and the same seed gives the same split on every machine.
///
/// kdsl's splits differ on purpose in two choices, which are therefore parameters:
/// - how the strata are shuffled: by one generator, stratum after stratum in key order
///   (`strata(_:by:rng:)`: the caller's generator, which may go on to serve other draws), or each
///   by a generator of its own seeded with `seed ^ FNV-1a(key)` (`strata(_:seed:)`: a stratum's
///   split does not move when other strata come or go, e.g. when one label's records change);
/// - how folds are dealt (`Numbering`).
/// A sample or holdout takes a prefix of each shuffled stratum; folds deal them with `folds`.
public enum StratifiedSplit {
    /// The indices of `keys` grouped by key, one stratum per distinct key in the order
    /// `areInIncreasingOrder` gives the keys, each shuffled by `rng` in that order.
    public static func strata<Key: Hashable>(_ keys: [Key], by areInIncreasingOrder: (Key, Key) -> Bool,
                                             rng: inout SeededRNG) -> [[Int]] {
        let groups = grouped(keys)
        return groups.keys.sorted(by: areInIncreasingOrder).map { key in
            var members = groups[key]!
            rng.shuffle(&members)
            return members
        }
    }

    /// The indices of `keys` grouped by key, strata in the keys' UTF-8 byte order, each shuffled by
    /// its own generator, `SeededRNG(seed: seed ^ FNV1a.hash(key.utf8))`.
    public static func strata(_ keys: [String], seed: UInt64) -> [[Int]] {
        let groups = grouped(keys)
        return groups.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).map { key in
            var members = groups[key]!
            var rng = SeededRNG(seed: seed ^ FNV1a.hash(key.utf8))
            rng.shuffle(&members)
            return members
        }
    }

    /// How `folds` deals each stratum's shuffled members to folds 0..<k.
    public enum Numbering: Sendable {
        /// Every stratum starts again at fold 0 (member j gets fold j % k): a stratum's folds
        /// depend on it alone.
        case withinStratum
        /// The count runs on from stratum to stratum: with many strata smaller than k, the folds
        /// still come out the same size.
        case acrossStrata
    }

    /// The fold (0..<k) of each of `count` indices (each in exactly one of `strata`), dealt round
    /// robin in the strata's order.
    public static func folds(_ strata: [[Int]], count: Int, folds k: Int, numbering: Numbering) -> [Int] {
        precondition(k >= 1, "at least one fold")
        var fold = [Int](repeating: 0, count: count)
        var next = 0
        for members in strata {
            if numbering == .withinStratum { next = 0 }
            for i in members { fold[i] = next % k; next += 1 }
        }
        return fold
    }

    private static func grouped<Key: Hashable>(_ keys: [Key]) -> [Key: [Int]] {
        var groups: [Key: [Int]] = [:]
        for (i, key) in keys.enumerated() { groups[key, default: []].append(i) }
        return groups
    }
}
