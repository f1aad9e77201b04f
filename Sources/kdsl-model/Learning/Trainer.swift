import COpenBLAS
import Basics
import JSONLines
#if canImport(Glibc)
import Glibc
#endif

/// Training blew up: a non-finite loss or weight (the learning rate is too large for the data).
/// `ModelBuilder.build` turns it into a `SetupError` naming the head; no model is written.
struct TrainingDiverged: Error {
    /// The epoch (from 1) whose loss was not finite, or nil when only the final weights were not.
    let epoch: Int?
}

/// Mini-batch SGD with L2 for a `Head` (linearly decaying learning rate, as fastText): `fit`
/// runs the epochs and early stopping, `TrainingRun.epoch` one pass over the examples,
/// `TrainingRun.update` one mini-batch step (forward, loss, backward); what differs between
/// softmax regression and the network is the `HeadKind`, chosen once per `fit`.
struct Trainer {
    let settings: TrainSettings

    /// OpenBLAS may split an sgemm across threads, and a different split sums in a different
    /// order: pin it to one thread so that the same seed gives the same bytes.
    static let pinThreads: Void = { openblas_set_num_threads(1) }()

    /// Trains `head` on `examples`; returns the number of epochs run, the last mean loss and the
    /// epoch early stopping chose (on `holdout`, when not empty; else the epochs run).
    /// Throws `TrainingDiverged` as soon as an epoch's loss is not finite, or when a weight is
    /// not at the end (a model with NaN weights would predict nonsense, or nothing). Each epoch
    /// advances `progress` with its mean loss (and the holdout's).
    @discardableResult
    func fit(_ head: Head, _ examples: [Example], epochs: Int, rng: inout SeededRNG,
             holdout: [Example] = [], patience: Int = 0, initialise start: Bool = true, progress: Progress? = nil) throws -> (epochs: Int, loss: Float, best: Int) {
        _ = Trainer.pinThreads
        let stopping = holdout.isEmpty ? nil : EarlyStopping(holdout: holdout, patience: patience)
        if head.hidden > 0 {
            return try fit(OneHiddenLayer.self, head, examples, epochs: epochs, rng: &rng, stopping: stopping, initialise: start, progress: progress)
        }
        return try fit(SoftmaxRegression.self, head, examples, epochs: epochs, rng: &rng, stopping: stopping, initialise: start, progress: progress)
    }

    /// A loss as progress lines show it.
    static func loss(_ x: Float) -> String { "loss \(Decimals.fixed(Double(x), places: 4))" }

    private func fit<Kind: HeadKind>(_ kind: Kind.Type, _ head: Head, _ examples: [Example], epochs: Int, rng: inout SeededRNG,
                                     stopping: EarlyStopping?, initialise start: Bool, progress: Progress?) throws -> (epochs: Int, loss: Float, best: Int) {
        if start { Kind.initialise(head, rng: &rng) }
        var run = TrainingRun<Kind>(head, examples, settings: settings, epochs: epochs)
        var stopping = stopping
        var lastLoss: Float = 0
        var ranEpochs = 0
        for epoch in 0..<epochs {
            let lossSum = run.epoch(rng: &rng)
            guard lossSum.isFinite else { throw TrainingDiverged(epoch: epoch + 1) }
            lastLoss = lossSum / Float(max(1, examples.count))
            ranEpochs = epoch + 1
            if stopping != nil {
                run.foldScale()
                let loss = meanLoss(head, stopping!.holdout)
                progress?.advance { [lastLoss] in "\(Trainer.loss(lastLoss)), holdout \(Trainer.loss(loss))" }
                if stopping!.shouldStop(after: epoch + 1, head, loss: loss) { break }
            } else {
                progress?.advance { [lastLoss] in Trainer.loss(lastLoss) }
            }
        }
        run.foldScale()
        stopping?.restoreBest(head)
        guard head.allFinite else { throw TrainingDiverged(epoch: nil) }
        return (ranEpochs, lastLoss, stopping?.best?.epoch ?? ranEpochs)
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

/// Early stopping on a holdout: after each epoch the holdout loss is measured, the weights of
/// the best epoch so far are kept, and training stops after `patience` epochs without a gain.
struct EarlyStopping {
    let holdout: [Example]
    let patience: Int
    private(set) var best: (loss: Float, epoch: Int, weights: [[Float]])? = nil

    init(holdout: [Example], patience: Int) {
        self.holdout = holdout
        self.patience = patience
    }

    /// After `epoch` (from 1) with the holdout loss `loss`: keeps the weights when the loss
    /// improved; whether to stop.
    mutating func shouldStop(after epoch: Int, _ head: Head, loss: Float) -> Bool {
        if best == nil || loss < best!.loss - 1e-6 {
            best = (loss, epoch, [head.ws, head.wd, head.b1, head.u, head.b2])
            return false
        }
        return epoch - best!.epoch >= max(1, patience)
    }

    /// Puts the weights of the best epoch back into `head`.
    func restoreBest(_ head: Head) {
        guard let best else { return }
        head.ws = best.weights[0]; head.wd = best.weights[1]; head.b1 = best.weights[2]
        head.u = best.weights[3]; head.b2 = best.weights[4]
    }
}

/// What a head computes on top of its first layer `z = b1 + Σ v·Ws[row] + Wd·x_dense`
/// (`Head`), for a mini-batch of n examples: softmax regression or one hidden ReLU layer.
/// `Trainer.fit` picks it once from `Head.hidden`, so the training loops are specialised for it.
protocol HeadKind {
    init(_ head: Head, batch: Int)
    /// Sets the starting weights of the whole head.
    static func initialise(_ head: Head, rng: inout SeededRNG)
    /// The logits (n × C) from the first layer's outputs `z` (n × K).
    mutating func forward(_ z: [Float], n: Int, into logits: inout [Float])
    /// The gradient of the loss in the first layer's outputs (`g`, n × K) from its gradient in
    /// the logits (`g2`, n × C), and a step on this layer's own weights.
    mutating func backward(_ g2: [Float], z: [Float], n: Int, lr: Float, decay: Float, into g: inout [Float])
}

/// Softmax regression: K = C, the first layer's outputs are the logits.
struct SoftmaxRegression: HeadKind {
    let classes: Int

    init(_ head: Head, batch: Int) { classes = head.classes }

    /// Zero weights (convex: any start converges to the same place).
    static func initialise(_ head: Head, rng: inout SeededRNG) {
        for j in 0..<head.b1.count { head.b1[j] = 0 }
        for i in 0..<head.ws.count { head.ws[i] = 0 }
        for i in 0..<head.wd.count { head.wd[i] = 0 }
    }

    func forward(_ z: [Float], n: Int, into logits: inout [Float]) {
        for t in 0..<(n * classes) { logits[t] = z[t] }
    }

    func backward(_ g2: [Float], z: [Float], n: Int, lr: Float, decay: Float, into g: inout [Float]) {
        for t in 0..<(n * classes) { g[t] = g2[t] }
    }
}

/// One hidden ReLU layer: K = hidden units, `a = relu(z)`, logits `U·a + b2`.
struct OneHiddenLayer: HeadKind {
    let head: Head
    let hidden: Int, classes: Int
    /// The mini-batch's activations `a` (n × hidden).
    var act: [Float]

    init(_ head: Head, batch: Int) {
        self.head = head
        hidden = head.hidden
        classes = head.classes
        act = [Float](repeating: 0, count: batch * head.hidden)
    }

    /// Small seeded uniform weights (zeros would keep the hidden units identical).
    static func initialise(_ head: Head, rng: inout SeededRNG) {
        for j in 0..<head.b1.count { head.b1[j] = 0 }
        for j in 0..<head.b2.count { head.b2[j] = 0 }
        let a: Float = 0.5, ad = (3 / Float(max(1, head.denseCount))).squareRoot() * 0.5
        let au = (6 / Float(head.hidden + head.classes)).squareRoot()
        for i in 0..<head.ws.count { head.ws[i] = a * (2 * Float(rng.nextUnit()) - 1) }
        for i in 0..<head.wd.count { head.wd[i] = ad * (2 * Float(rng.nextUnit()) - 1) }
        for i in 0..<head.u.count { head.u[i] = au * (2 * Float(rng.nextUnit()) - 1) }
    }

    mutating func forward(_ z: [Float], n: Int, into logits: inout [Float]) {
        let hdn = hidden, c = classes
        for t in 0..<(n * hdn) { act[t] = max(0, z[t]) }
        for i in 0..<n { for j in 0..<c { logits[i * c + j] = head.b2[j] } }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(c), Int32(hdn),
                    1, act, Int32(hdn), head.u, Int32(c), 1, &logits, Int32(c))
    }

    func backward(_ g2: [Float], z: [Float], n: Int, lr: Float, decay: Float, into g: inout [Float]) {
        let hdn = hidden, c = classes
        // dA = G2 · Uᵀ (before U moves), then through the ReLU.
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(hdn), Int32(c),
                    1, g2, Int32(c), head.u, Int32(c), 0, &g, Int32(hdn))
        for t in 0..<(n * hdn) where z[t] <= 0 { g[t] = 0 }
        // U ← decay·U − lr·Aᵀ·G2
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(hdn), Int32(c), Int32(n),
                    -lr, act, Int32(hdn), g2, Int32(c), decay, &head.u, Int32(c))
        for i in 0..<n { for j in 0..<c { head.b2[j] -= lr * g2[i * c + j] } }
    }
}

/// One `Trainer.fit` of a head: the example order, the mini-batch buffers, the learning-rate
/// schedule and the lazy decay of the sparse weights.
private struct TrainingRun<Kind: HeadKind> {
    let head: Head
    let examples: [Example]
    let settings: TrainSettings
    var kind: Kind
    let k: Int, c: Int, d: Int, b: Int
    let rate: Float
    var order: [Int]
    /// Row i of each buffer belongs to example i of the mini-batch: first-layer outputs (K),
    /// logits then their softmax (C), gradients in the logits (C) and in z (K), image block (D).
    var z: [Float], logits: [Float], g2: [Float], g: [Float], xd: [Float]
    var scale: Float = 1  // Ws = scale · stored, so L2 decay costs one multiply (exact, lazy)
    let totalSteps: Int
    var step = 0

    init(_ head: Head, _ examples: [Example], settings: TrainSettings, epochs: Int) {
        self.head = head
        self.examples = examples
        self.settings = settings
        k = head.width; c = head.classes; d = head.denseCount
        b = max(1, settings.batch)
        rate = settings.rate
        kind = Kind(head, batch: b)
        order = Array(0..<examples.count)
        z = [Float](repeating: 0, count: b * k)
        logits = [Float](repeating: 0, count: b * c)
        g2 = [Float](repeating: 0, count: b * c)
        g = [Float](repeating: 0, count: b * k)
        xd = [Float](repeating: 0, count: b * d)
        totalSteps = max(1, epochs * ((examples.count + b - 1) / b))
    }

    /// One pass over the examples in a new shuffled order; returns the sum of their losses.
    mutating func epoch(rng: inout SeededRNG) -> Float {
        rng.shuffle(&order)
        var lossSum: Float = 0
        var start = 0
        while start < order.count {
            let n = min(b, order.count - start)
            update(start, n, loss: &lossSum)
            start += n
        }
        return lossSum
    }

    /// One SGD step on the mini-batch `order[start..<start + n]`; adds its losses to `loss`.
    mutating func update(_ start: Int, _ n: Int, loss: inout Float) {
        let lr = rate * max(0.0001, 1 - Float(step) / Float(totalSteps))
        step += 1
        let anyDense = forwardFirstLayer(start, n)
        kind.forward(z, n: n, into: &logits)
        lossAndGradient(start, n, loss: &loss)
        let decay = 1 - lr * settings.l2
        kind.backward(g2, z: z, n: n, lr: lr, decay: decay, into: &g)
        updateFirstLayer(start, n, anyDense: anyDense, lr: lr, decay: decay)
        if scale < 1e-3 { foldScale() }
    }

    /// `z = b1 + Xd·Wd + Σ v·Ws[row]` for the mini-batch; returns whether any of its examples
    /// has an image block (`xd` holds them, zeros for none).
    mutating func forwardFirstLayer(_ start: Int, _ n: Int) -> Bool {
        let k = k, d = d, examples = examples, order = order, scale = scale
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
        return anyDense
    }

    /// The softmax of each example's logits, its cross-entropy subtracted into `loss`, and the
    /// gradient in the logits of the batch's mean loss, `(p − onehot(y)) / n`.
    mutating func lossAndGradient(_ start: Int, _ n: Int, loss: inout Float) {
        let c = c
        let invN = 1 / Float(n)
        for i in 0..<n {
            Head.softmax(&logits, i * c, c)
            let y = examples[order[start + i]].label
            loss -= logf(max(logits[i * c + y], 1e-12))
            for j in 0..<c { g2[i * c + j] = logits[i * c + j] * invN }
            g2[i * c + y] -= invN
        }
    }

    /// First layer: Wd ← decay·Wd − lr·Xdᵀ·G; Ws lazily; b1.
    mutating func updateFirstLayer(_ start: Int, _ n: Int, anyDense: Bool, lr: Float, decay: Float) {
        let k = k, d = d, examples = examples, order = order
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
    }

    /// Multiplies the lazy scale into the sparse weights.
    mutating func foldScale() {
        if scale != 1 { cblas_sscal(Int32(head.ws.count), scale, &head.ws, 1); scale = 1 }
    }
}
