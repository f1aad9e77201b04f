import COpenBLAS
import JSONLines
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

/// Training settings (flags of `kdsl-model train`; defaults tuned by cross-validation, see
/// docs/benchmarks.md).
struct TrainSettings: Sendable {
    var epochs = 100
    var learningRate: Float = 8.0
    var batch = 16
    var l2: Float = 1e-4
    /// 0: softmax regression; > 0: one hidden ReLU layer of this width.
    var hidden = 0
    /// Fraction of the records held out for early stopping (0: off, train `epochs`).
    var validation: Float = 0
    var patience = 5
    var seed: UInt64 = 1
}

/// A classifier for one task (or for all, `--joint`): softmax regression over the sparse text
/// features and the dense image block, or a one-hidden-layer network on the same inputs.
///
/// First layer: `z = b1 + Σ v·Ws[row] + Wd·x_dense` (K outputs); softmax regression has K = C
/// classes and `z` are the logits; the network has K = hidden, `a = relu(z)`, logits `U·a + b2`.
/// The text part stays sparse (a dense text matrix would cost ~300× more flops on these data);
/// every dense product (image block, hidden layer, and their gradients) is a mini-batch
/// `cblas_sgemm`.
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

    /// Fits the standardisation to the images of the training records. Each of the `groups`
    /// (ranges of the block, e.g. the pixel summary and the gradient histograms) gets an equal
    /// share of the norm: feature i of group g has std `weight/√(G·D_g)`, so a large group does
    /// not drown a small one.
    func fitStandardisation(_ images: [[Float]], weight: Float, groups: [Range<Int>]? = nil) {
        guard denseCount > 0, !images.isEmpty else { return }
        let groups = groups ?? [0..<denseCount]
        var share = [Float](repeating: Float(denseCount), count: denseCount)
        for g in groups { for i in g { share[i] = Float(g.count * groups.count) } }
        let n = Float(images.count)
        for i in 0..<denseCount {
            var s: Float = 0, s2: Float = 0
            for x in images { s += x[i]; s2 += x[i] * x[i] }
            let mean = s / n
            let variance = max(0, s2 / n - mean * mean)
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
                let wb = w.baseAddress!, zb = zp.baseAddress!
                b1.withUnsafeBufferPointer { b in zb.update(from: b.baseAddress!, count: k) }
                e.rows.withUnsafeBufferPointer { rows in
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
                }
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

/// Training blew up: a non-finite loss or weight (the learning rate is too large for the data).
/// `ModelBuilder.build` turns it into a `SetupError` naming the head; no model is written.
struct TrainingDiverged: Error {
    /// The epoch (from 1) whose loss was not finite, or nil when only the final weights were not.
    let epoch: Int?
}

/// Mini-batch SGD with L2 for a `Head` (linearly decaying learning rate, as fastText).
struct Trainer {
    let settings: TrainSettings

    /// OpenBLAS may split an sgemm across threads, and a different split sums in a different
    /// order: pin it to one thread so that the same seed gives the same bytes.
    static let pinThreads: Void = { openblas_set_num_threads(1) }()

    /// Trains `head` on `examples`; returns the number of epochs run and the last mean loss.
    /// Throws `TrainingDiverged` as soon as an epoch's loss is not finite, or when a weight is
    /// not at the end (a model with NaN weights would predict nonsense, or nothing).
    @discardableResult
    func fit(_ head: Head, _ examples: [Example], epochs: Int, rng: inout SeededRNG,
             holdout: [Example] = [], patience: Int = 0, initialise start: Bool = true) throws -> (epochs: Int, loss: Float, best: Int) {
        _ = Trainer.pinThreads
        let k = head.width, c = head.classes, d = head.denseCount, hdn = head.hidden
        let b = max(1, settings.batch)
        if start { initialise(head, rng: &rng) }
        var order = Array(0..<examples.count)
        var z = [Float](repeating: 0, count: b * k)
        var act = [Float](repeating: 0, count: hdn > 0 ? b * hdn : 0)
        var logits = [Float](repeating: 0, count: b * c)
        var g2 = [Float](repeating: 0, count: b * c)
        var g = [Float](repeating: 0, count: b * k)
        var xd = [Float](repeating: 0, count: b * d)
        var scale: Float = 1  // Ws = scale · stored, so L2 decay costs one multiply (exact, lazy)
        let totalSteps = max(1, epochs * ((examples.count + b - 1) / b))
        var step = 0
        var lastLoss: Float = 0
        var best: (loss: Float, epoch: Int, weights: [[Float]])? = nil
        var ranEpochs = 0
        for epoch in 0..<epochs {
            rng.shuffle(&order)
            var lossSum: Float = 0
            var start = 0
            while start < order.count {
                let n = min(b, order.count - start)
                let lr = settings.learningRate * max(0.0001, 1 - Float(step) / Float(totalSteps))
                step += 1
                // Forward, first layer.
                for i in 0..<n { for j in 0..<k { z[i * k + j] = head.b1[j] } }
                var anyDense = false
                if d > 0 {
                    for i in 0..<n {
                        if let x = examples[order[start + i]].dense {
                            anyDense = true
                            for t in 0..<d { xd[i * d + t] = x[t] }
                        } else {
                            for t in 0..<d { xd[i * d + t] = 0 }
                        }
                    }
                    if anyDense {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(k), Int32(d),
                                    1, xd, Int32(d), head.wd, Int32(k), 1, &z, Int32(k))
                    }
                }
                // The sparse loops run on raw pointers: without bounds and overflow checks the
                // inner loop over the K outputs vectorises (each z[j], w[j] gets the same float
                // operations in the same order, so the same bytes), ~the whole cost of training.
                head.ws.withUnsafeBufferPointer { w in
                    z.withUnsafeMutableBufferPointer { zp in
                        for i in 0..<n {
                            let e = examples[order[start + i]]
                            let zi = zp.baseAddress! + i * k
                            e.rows.withUnsafeBufferPointer { rows in
                                e.values.withUnsafeBufferPointer { vals in
                                    for q in 0..<rows.count {
                                        let v = vals[q] * scale, wr = w.baseAddress! + Int(rows[q]) * k
                                        for j in 0..<k { zi[j] += v * wr[j] }
                                    }
                                }
                            }
                        }
                    }
                }
                // Output layer and softmax.
                if hdn > 0 {
                    for t in 0..<(n * hdn) { act[t] = max(0, z[t]) }
                    for i in 0..<n { for j in 0..<c { logits[i * c + j] = head.b2[j] } }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(c), Int32(hdn),
                                1, act, Int32(hdn), head.u, Int32(c), 1, &logits, Int32(c))
                } else {
                    for t in 0..<(n * c) { logits[t] = z[t] }
                }
                let invN = 1 / Float(n)
                for i in 0..<n {
                    Head.softmax(&logits, i * c, c)
                    let y = examples[order[start + i]].label
                    lossSum -= logf(max(logits[i * c + y], 1e-12))
                    for j in 0..<c { g2[i * c + j] = logits[i * c + j] * invN }
                    g2[i * c + y] -= invN
                }
                let decay = 1 - lr * settings.l2
                if hdn > 0 {
                    // dA = G2 · Uᵀ (before U moves), then through the ReLU.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(hdn), Int32(c),
                                1, g2, Int32(c), head.u, Int32(c), 0, &g, Int32(hdn))
                    for t in 0..<(n * hdn) where z[t] <= 0 { g[t] = 0 }
                    // U ← decay·U − lr·Aᵀ·G2
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(hdn), Int32(c), Int32(n),
                                -lr, act, Int32(hdn), g2, Int32(c), decay, &head.u, Int32(c))
                    for i in 0..<n { for j in 0..<c { head.b2[j] -= lr * g2[i * c + j] } }
                } else {
                    for t in 0..<(n * c) { g[t] = g2[t] }
                }
                // First layer: Wd ← decay·Wd − lr·Xdᵀ·G; Ws lazily; b1.
                if d > 0 {
                    if anyDense {
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(k), Int32(n),
                                    -lr, xd, Int32(d), g, Int32(k), decay, &head.wd, Int32(k))
                    } else {
                        cblas_sscal(Int32(d * k), decay, &head.wd, 1)
                    }
                }
                for i in 0..<n { for j in 0..<k { head.b1[j] -= lr * g[i * k + j] } }
                scale *= decay
                let gain = lr / scale
                head.ws.withUnsafeMutableBufferPointer { w in
                    g.withUnsafeBufferPointer { gp in
                        for i in 0..<n {
                            let e = examples[order[start + i]]
                            let gi = gp.baseAddress! + i * k
                            e.rows.withUnsafeBufferPointer { rows in
                                e.values.withUnsafeBufferPointer { vals in
                                    for q in 0..<rows.count {
                                        let f = gain * vals[q], wr = w.baseAddress! + Int(rows[q]) * k
                                        for j in 0..<k { wr[j] -= f * gi[j] }
                                    }
                                }
                            }
                        }
                    }
                }
                if scale < 1e-3 { fold(head, &scale) }
                start += n
            }
            guard lossSum.isFinite else { throw TrainingDiverged(epoch: epoch + 1) }
            lastLoss = lossSum / Float(max(1, examples.count))
            ranEpochs = epoch + 1
            if !holdout.isEmpty {
                fold(head, &scale)
                let loss = meanLoss(head, holdout)
                if best == nil || loss < best!.loss - 1e-6 {
                    best = (loss, epoch + 1, [head.ws, head.wd, head.b1, head.u, head.b2])
                } else if epoch + 1 - best!.epoch >= max(1, patience) {
                    break
                }
            }
        }
        fold(head, &scale)
        if let best {
            head.ws = best.weights[0]; head.wd = best.weights[1]; head.b1 = best.weights[2]
            head.u = best.weights[3]; head.b2 = best.weights[4]
        }
        guard head.allFinite else { throw TrainingDiverged(epoch: nil) }
        return (ranEpochs, lastLoss, best?.epoch ?? ranEpochs)
    }

    /// Multiplies the lazy scale into the sparse weights.
    private func fold(_ head: Head, _ scale: inout Float) {
        if scale != 1 { cblas_sscal(Int32(head.ws.count), scale, &head.ws, 1); scale = 1 }
    }

    /// Zero weights for softmax regression (convex: any start converges to the same place);
    /// small seeded uniform weights for the network (zeros would keep the hidden units identical).
    private func initialise(_ head: Head, rng: inout SeededRNG) {
        for j in 0..<head.b1.count { head.b1[j] = 0 }
        for j in 0..<head.b2.count { head.b2[j] = 0 }
        if head.hidden == 0 {
            for i in 0..<head.ws.count { head.ws[i] = 0 }
            for i in 0..<head.wd.count { head.wd[i] = 0 }
            return
        }
        let a: Float = 0.5, ad = (3 / Float(max(1, head.denseCount))).squareRoot() * 0.5
        let au = (6 / Float(head.hidden + head.classes)).squareRoot()
        for i in 0..<head.ws.count { head.ws[i] = a * (2 * Float(rng.nextUnit()) - 1) }
        for i in 0..<head.wd.count { head.wd[i] = ad * (2 * Float(rng.nextUnit()) - 1) }
        for i in 0..<head.u.count { head.u[i] = au * (2 * Float(rng.nextUnit()) - 1) }
    }

    /// Mean cross-entropy of `head` on `examples`.
    func meanLoss(_ head: Head, _ examples: [Example]) -> Float {
        var probs: [Float] = [], z: [Float] = []
        var s: Float = 0
        for e in examples {
            head.probabilities(e, into: &probs, scratch: &z)
            s -= logf(max(probs[e.label], 1e-12))
        }
        return s / Float(max(1, examples.count))
    }
}
