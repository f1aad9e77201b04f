/// The rule reward (paper §2.1: "the reward is the rule's accuracy on validation examples, with a
/// confidence"). kdsl replaces the MLLM scorer with counts on held-out records and a Wilson score
/// lower bound, so a rule right on 3 of 3 records scores lower than one right on 30 of 30.
enum Reward {
    /// The lower end of the Wilson score interval for `hits` successes in `n` trials at normal
    /// quantile `z` (Wilson, 1927); 0 when `n` is 0. Always in [0, hits/n].
    static func wilsonLowerBound(hits: Int, n: Int, z: Double) -> Double {
        guard n > 0 else { return 0 }
        let nn = Double(n), p = Double(hits) / nn, z2 = z * z
        let centre = p + z2 / (2 * nn)
        let margin = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        return max(0, min(p, (centre - margin) / (1 + z2 / nn)))
    }

    /// Counts of one rule on a set of records.
    struct Counts: Equatable, Sendable {
        /// Records the rule fired on.
        var fired = 0
        /// Records where its label was right (plain mode) or where it corrected the model (`--against`).
        var hits = 0
        /// `--against` only: records where the model was right and the rule's label is wrong.
        var broken = 0

        static func += (a: inout Counts, b: Counts) { a.fired += b.fired; a.hits += b.hits; a.broken += b.broken }
    }

    /// The reward of counts: plain mode, the Wilson bound of precision (hits among fired);
    /// `--against`, the Wilson bound of corrections among the records where the rule changes
    /// whether the prediction is right (corrections + broken), and 0 unless corrections exceed
    /// broken, so a kept rule always makes the model better on the records it was scored on.
    static func of(_ c: Counts, against: Bool, z: Double) -> Double {
        if !against { return wilsonLowerBound(hits: c.hits, n: c.fired, z: z) }
        guard c.hits > c.broken else { return 0 }
        return wilsonLowerBound(hits: c.hits, n: c.hits + c.broken, z: z)
    }
}
