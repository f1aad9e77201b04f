/// Training settings, with their defaults (the flags of `kdsl-model train` and `cv` read into
/// them; defaults tuned by cross-validation, see docs/benchmarks.md).
struct TrainSettings: Sendable {
    var epochs = 100
    /// The initial learning rate; nil: the head kind's default (`defaultLearningRate`).
    var learningRate: Float? = nil
    var batch = 16
    var l2: Float = 1e-4
    /// 0: softmax regression; > 0: one hidden ReLU layer of this width.
    var hidden = 0
    /// Fraction of the records held out for early stopping (0: off, train `epochs`).
    var validation: Float = 0
    /// Epochs without improvement on the holdout before early stopping stops.
    var patience = 5
    var seed: UInt64 = 1

    /// The default initial learning rate of softmax regression and of the network.
    static let defaultLearningRate: (softmax: Float, hidden: Float) = (8, 1)

    /// The initial learning rate training starts from (decaying linearly to 0).
    var rate: Float { learningRate ?? (hidden > 0 ? Self.defaultLearningRate.hidden : Self.defaultLearningRate.softmax) }
}
