#if canImport(Glibc)
import Glibc
#endif

/// One training or prediction input after weighting: a sparse text vector (rows of the head's
/// vocabulary) and a dense, standardised image block (nil: no image, i.e. all zeros).
struct Example {
    var rows: [Int32]
    var values: [Float]
    var dense: [Float]?
    var label: Int
}

/// A classifier for one task (or for all, `--joint`): softmax regression over the sparse text
/// features and the dense image block, or a one-hidden-layer network on the same inputs.
///
/// First layer: `z = b1 + Σ v·Ws[row] + Wd·x_dense` (K outputs); softmax regression has K = C
/// classes and `z` are the logits; the network has K = hidden, `a = relu(z)`, logits `U·a + b2`.
/// The text part stays sparse (a dense text matrix would cost ~300× more flops on these data);
/// every dense product of training (image block, hidden layer, and their gradients) is a
/// mini-batch `cblas_sgemm` (`Trainer`, `HeadKind`).
final class Head {
    let task: String
    let labels: [String]
    /// The text views this head reads: bit i is `FeatureConfig.views[i]` (`--views auto` chooses
    /// them per head; a fixed `--views` gives every head all of them).
    let views: UInt32
    /// The word n-gram order this head reads: 1, or `FeatureConfig.wordNgrams` (`--word-ngrams auto`
    /// chooses per head).
    let wordNgrams: Int
    /// Whether the head reads word n-grams of order ≥ 2.
    var higher: Bool { wordNgrams > 1 }
    /// Whether the head reads the character n-grams of non-CJK words (`--char-ngrams auto`
    /// chooses per head; noisy OCR text reads better without them).
    let chars: Bool
    let vocabulary: Vocabulary
    /// Image block width (0 when the head uses no image features).
    let denseCount: Int
    var denseMean: [Float]
    var denseScale: [Float]
    let hidden: Int
    var ws: [Float]
    var wd: [Float]
    var b1: [Float]
    var u: [Float]
    var b2: [Float]
    /// The task's second head, over the records' sentence vectors, and its mixing weight (late
    /// fusion, `EmbeddingHead`); nil: this head alone.
    var embedding: EmbeddingHead?

    var classes: Int { labels.count }
    var width: Int { hidden > 0 ? hidden : labels.count }

    init(task: String, labels: [String], views: UInt32 = .max, wordNgrams: Int = 2, chars: Bool = true, vocabulary: Vocabulary, denseCount: Int, hidden: Int,
         denseMean: [Float] = [], denseScale: [Float] = [],
         ws: [Float]? = nil, wd: [Float]? = nil, b1: [Float]? = nil, u: [Float]? = nil, b2: [Float]? = nil) {
        self.task = task
        self.labels = labels
        self.views = views
        self.wordNgrams = wordNgrams
        self.chars = chars
        self.vocabulary = vocabulary
        self.denseCount = denseCount
        self.hidden = hidden
        let k = hidden > 0 ? hidden : labels.count
        self.denseMean = denseMean.isEmpty ? [Float](repeating: 0, count: denseCount) : denseMean
        self.denseScale = denseScale.isEmpty ? [Float](repeating: 1, count: denseCount) : denseScale
        self.ws = ws ?? [Float](repeating: 0, count: vocabulary.ids.count * k)
        self.wd = wd ?? [Float](repeating: 0, count: denseCount * k)
        self.b1 = b1 ?? [Float](repeating: 0, count: k)
        self.u = u ?? [Float](repeating: 0, count: hidden > 0 ? hidden * labels.count : 0)
        self.b2 = b2 ?? [Float](repeating: 0, count: hidden > 0 ? labels.count : 0)
    }

    /// Standardises raw image features in place: mean 0 over the head's training images and a
    /// scale such that the block's expected L2 norm is `weight`, comparable to one unit-length
    /// text namespace (see `fitStandardisation`).
    func standardise(_ raw: inout [Float]) {
        for i in 0..<denseCount { raw[i] = (raw[i] - denseMean[i]) * denseScale[i] }
    }

    /// The mean and (population) variance of column `i` of `rows` (not empty), summed in row order.
    static func moments(_ rows: [[Float]], column i: Int) -> (mean: Float, variance: Float) {
        let n = Float(rows.count)
        var s: Float = 0, s2: Float = 0
        for x in rows { s += x[i]; s2 += x[i] * x[i] }
        let mean = s / n
        return (mean, max(0, s2 / n - mean * mean))
    }

    /// Fits the standardisation to the images of the training records. Each of the `groups`
    /// (ranges of the block, e.g. the pixel summary and the gradient histograms) gets an equal
    /// share of the norm: feature i of group g has std `weight/√(G·D_g)`, so a large group does
    /// not drown a small one.
    func fitStandardisation(_ images: [[Float]], weight: Float, groups: [Range<Int>]? = nil) {
        guard denseCount > 0, !images.isEmpty else { return }
        let groups = groups ?? [0..<denseCount]
        var share = [Float](repeating: Float(denseCount), count: denseCount)
        for g in groups { for i in g { share[i] = Float(g.count * groups.count) } }
        for i in 0..<denseCount {
            let (mean, variance) = Head.moments(images, column: i)
            denseMean[i] = mean
            // Constant features (std ~ 0) carry nothing: weight 0 rather than blowing up noise.
            denseScale[i] = variance > 1e-10 ? weight / (variance * share[i]).squareRoot() : 0
        }
    }

    /// Whether every number of the head is finite (training checks it; so does loading).
    var allFinite: Bool { firstNonFinite == nil }

    /// The name and index of the first non-finite number of the head, if any.
    var firstNonFinite: (array: String, index: Int)? {
        for (name, a) in [("idf", vocabulary.idf), ("image mean", denseMean), ("image scale", denseScale),
                          ("text weights", ws), ("image weights", wd), ("bias", b1), ("output weights", u), ("output bias", b2)] {
            if let i = a.firstIndex(where: { !$0.isFinite }) { return (name, i) }
        }
        return nil
    }

    // MARK: Prediction

    /// Class probabilities of one example into `probs` (count = classes); `scratch` is reused.
    func probabilities(_ e: Example, into probs: inout [Float], scratch z: inout [Float]) {
        let k = width
        if z.count != k { z = [Float](repeating: 0, count: k) }
        ws.withUnsafeBufferPointer { w in
            z.withUnsafeMutableBufferPointer { zp in
                let zb = zp.baseAddress!
                b1.withUnsafeBufferPointer { b in zb.update(from: b.baseAddress!, count: k) }
                // An embedding head has no vocabulary (and no rows): no sparse part.
                if let wb = w.baseAddress { e.rows.withUnsafeBufferPointer { rows in
                    e.values.withUnsafeBufferPointer { values in
                        // Four rows per sweep over z: each z[j] still adds v·row[j] row by row in
                        // order (the same sums to the bit), with a quarter of the z traffic and four
                        // independent weight rows in flight (the loop waits on memory).
                        let count = rows.count
                        var n = 0
                        while n + 4 <= count {
                            let v0 = values[n], v1 = values[n + 1], v2 = values[n + 2], v3 = values[n + 3]
                            let r0 = wb + Int(rows[n]) * k, r1 = wb + Int(rows[n + 1]) * k
                            let r2 = wb + Int(rows[n + 2]) * k, r3 = wb + Int(rows[n + 3]) * k
                            for j in 0..<k { zb[j] = zb[j] + v0 * r0[j] + v1 * r1[j] + v2 * r2[j] + v3 * r3[j] }
                            n += 4
                        }
                        while n < count {
                            let v = values[n], row = wb + Int(rows[n]) * k
                            for j in 0..<k { zb[j] += v * row[j] }
                            n += 1
                        }
                    }
                } }
                if let x = e.dense {
                    for i in 0..<denseCount where x[i] != 0 {
                        let xi = x[i], base = i * k
                        for j in 0..<k { zp[j] += xi * wd[base + j] }
                    }
                }
            }
        }
        if probs.count != classes { probs = [Float](repeating: 0, count: classes) }
        if hidden > 0 {
            for j in 0..<classes { probs[j] = b2[j] }
            for h in 0..<hidden where z[h] > 0 {
                let a = z[h], base = h * classes
                for j in 0..<classes { probs[j] += a * u[base + j] }
            }
        } else {
            for j in 0..<classes { probs[j] = z[j] }
        }
        Head.softmax(&probs, 0, classes)
    }

    @inline(__always) static func softmax(_ p: inout [Float], _ start: Int, _ n: Int) {
        var m = -Float.infinity
        for j in start..<(start + n) { m = max(m, p[j]) }
        var s: Float = 0
        for j in start..<(start + n) { let e = expf(p[j] - m); p[j] = e; s += e }
        let inv = 1 / s
        for j in start..<(start + n) { p[j] *= inv }
    }
}
