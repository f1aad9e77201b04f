/// The hashed, counted text features of one record before weighting: ids sorted within each
/// namespace, with their counts. Independent of any head, so a record is tokenised once.
struct RawText {
    var ids: [UInt32] = []
    var counts: [Float] = []
    /// End index (exclusive) in `ids` of each segment: three per view of `FeatureConfig.views`,
    /// in order (word unigrams; character n-grams, which a head with `--char-ngrams` off leaves
    /// out; word n-grams of order 2...N, which a head with word n-grams 1 leaves out), then one
    /// for the task when configured.
    var ends: [Int] = []
}
