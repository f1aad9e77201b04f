import RecordKeys

/// `--embedding`: whether heads get an embedding head beside the n-gram head.
enum EmbeddingMode: String, CaseIterable, Sendable {
    /// When the head's training records carry `embedding` vectors.
    case auto
    /// Never: the model is the n-gram head alone (the vectors are not read).
    case off
    /// Always; training records without any vector are a setup error.
    case on
}

/// The second head of a task (late fusion): softmax regression over the record's sentence
/// vectors, the views it reads concatenated, each standardised (mean 0, and an equal share of a
/// unit norm), a view the record lacks read as its training mean (zeros after standardising).
/// The task's probability is `mix · p_ngram + (1 − mix) · p_embedding`, with `mix` chosen by inner
/// cross-validation on the training records (`ModelBuilder.chooseMix`) or given (`--mix`).
///
/// The weights live in a `Head` without a vocabulary whose dense block is the vectors, so the
/// same `Trainer` (mini-batch SGD, sgemm on the dense block) trains it.
final class EmbeddingHead {
    /// The key kdsl-embed writes (`--embedding-field`).
    static let defaultField = "embedding"
    let encoder: String
    /// The views it reads, in order (sorted by name).
    let views: [String]
    /// Length of one view's vector.
    let dimension: Int
    /// Weight of the n-gram head's probabilities in the mix (0...1).
    var mix: Float
    /// Whether its training took its labels' names as examples (`LabelNames`); said in the
    /// model's summary, not stored apart (prediction does not need it).
    var labelNames = false
    let head: Head

    /// What it reads, as `EmbeddingShape` (its `summary`: `last+names`).
    var shape: EmbeddingShape { EmbeddingShape(encoder: encoder, views: views, dimension: dimension, labelNames: labelNames) }

    init(encoder: String, views: [String], dimension: Int, mix: Float, head: Head) {
        self.encoder = encoder
        self.views = views
        self.dimension = dimension
        self.mix = mix
        self.head = head
    }

    /// A head with the labels `labels`, untrained, reading `views` of `dimension` numbers.
    convenience init(encoder: String, views: [String], dimension: Int, labels: [String], task: String) {
        let head = Head(task: task, labels: labels, views: 0, wordNgrams: 1, chars: false, vocabulary: Vocabulary(ids: [], idf: []),
                        denseCount: views.count * dimension, hidden: 0)
        self.init(encoder: encoder, views: views, dimension: dimension, mix: 1, head: head)
    }

    /// The record's vectors for this head, raw (a missing view: nil in `present`); nil when it
    /// has none of the head's views or they come from another encoder or have another length.
    func raw(_ e: EmbeddingValue?) -> (x: [Float], present: [Bool])? {
        guard let e, e.encoder == encoder else { return nil }
        var x = [Float](repeating: 0, count: views.count * dimension)
        var present = [Bool](repeating: false, count: views.count)
        for (i, v) in views.enumerated() {
            guard let vector = e.vector(v), vector.count == dimension else { continue }
            present[i] = true
            for t in 0..<dimension { x[i * dimension + t] = vector[t] }
        }
        return present.contains(true) ? (x, present) : nil
    }

    /// The standardised input of the record, or nil when it has none of the head's vectors.
    func input(_ e: EmbeddingValue?) -> [Float]? {
        guard let (raw, present) = raw(e) else { return nil }
        var x = raw
        head.standardise(&x)
        for (i, p) in present.enumerated() where !p {
            for t in 0..<dimension { x[i * dimension + t] = 0 }
        }
        return x
    }

    /// Fits the standardisation on the training records' vectors (each view over the records
    /// that have it), each view an equal share of a unit norm.
    func fitStandardisation(_ records: [EmbeddingValue?]) {
        let d = dimension
        let share = Float(views.count * d)
        for (i, v) in views.enumerated() {
            let vectors = records.compactMap { $0?.encoder == encoder ? $0?.vector(v) : nil }.filter { $0.count == d }
            guard !vectors.isEmpty else { continue }
            for t in 0..<d {
                let (mean, variance) = Head.moments(vectors, column: t)
                head.denseMean[i * d + t] = mean
                head.denseScale[i * d + t] = variance > 1e-12 ? 1 / (variance * share).squareRoot() : 0
            }
        }
    }

    /// Mixes the embedding head's probabilities `pe` into the n-gram head's `pn` in place.
    func mix(_ pn: inout [Float], with pe: [Float]) {
        let w = mix
        for j in pn.indices { pn[j] = w * pn[j] + (1 - w) * pe[j] }
    }
}
