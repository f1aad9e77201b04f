import Basics
import JSONLines

/// Late fusion (DESIGN: "a head per representation, mixed per task with weights chosen on inner
/// folds"): the embedding head beside each n-gram head, what it reads and its training; its
/// mixing weight is chosen in `MixChoice.swift`.
extension ModelBuilder {
    /// The embedding head's training: softmax regression, 100 epochs, the n-gram head's
    /// learning rate and batch; a stronger L2 than the sparse text's (384 dense inputs per view,
    /// all active in every record; docs/benchmarks.md, "Late fusion").
    static let defaultEmbeddingSettings: TrainSettings = {
        var s = TrainSettings()
        s.l2 = 1e-4
        return s
    }()

    /// The vectors the head's embedding head reads: the views some record of `group` has a
    /// vector in; nil when none has (under `--embedding on` a `SetupError`). Throws `SetupError`
    /// when the records carry vectors of two encoders or of two lengths.
    func embeddingShape(_ group: [Sample], name: String) throws -> EmbeddingShape? {
        var shape: EmbeddingShape? = nil
        var views = Set<String>()
        for s in group {
            guard let e = s.embedding, let first = e.vectors.first else { continue }
            if shape == nil { shape = EmbeddingShape(encoder: e.encoder, views: [], dimension: first.vector.count) }
            guard e.encoder == shape!.encoder else {
                throw SetupError("\(name)the training records carry vectors of two encoders (\"\(shape!.encoder)\" and \"\(e.encoder)\", \(s.location)): embed them all with one kdsl-embed")
            }
            guard first.vector.count == shape!.dimension else {
                throw SetupError("\(name)the training records carry vectors of \(shape!.dimension) and of \(first.vector.count) numbers (\(s.location)): embed them all with one kdsl-embed")
            }
            for v in e.vectors { views.insert(v.name) }
        }
        guard var shape else {
            if embedding == .on {
                throw SetupError("\(name)--embedding on, but none of the \(group.count) training records has embedding vectors: run kdsl-embed on them first, or train with --embedding off")
            }
            return nil
        }
        shape.views = views.sorted()
        return shape
    }

    /// `--embedding on` before any training: a setup error when no training record carries
    /// vectors (kdsl-embed was not run), rather than after the text choices.
    func checkEmbeddings(_ samples: [Sample]) throws {
        guard embedding == .on, !samples.isEmpty, !samples.contains(where: { $0.embedding?.vectors.isEmpty == false }) else { return }
        throw SetupError("--embedding on, but none of the \(samples.count) training records has embedding vectors: run kdsl-embed on them first, or train with --embedding off")
    }

    /// After training under `--embedding auto` on records none of which carries vectors
    /// (kdsl-embed was not run): a note saying what the encoder would add, since a model of
    /// n-grams alone is the weaker one and nothing else tells the user.
    func noteWithoutVectors(_ samples: [Sample]) {
        guard embedding == .auto, verbose, !samples.isEmpty, !samples.contains(where: { $0.embedding?.vectors.isEmpty == false }) else { return }
        Diagnostics.shared.note("no training record carries embedding vectors, so the model is the n-gram head alone: kdsl-embed adds multilingual-e5-small's (run it on the records before training and before predict), and the model learns from them too (weighted F1 +0.08 to +0.12 on the English few-shot sets, docs/benchmarks.md); --embedding off trains without this note")
    }

    /// Trains the embedding head of `group` on the records that have vectors for it, and on its
    /// labels' names when `shape.labelNames`.
    func trainEmbedding(task: String, labels: [String], shape: EmbeddingShape, _ group: [Sample], seed: UInt64) throws -> EmbeddingHead {
        let e = EmbeddingHead(encoder: shape.encoder, views: shape.views, dimension: shape.dimension, labels: labels, task: task)
        e.fitStandardisation(group.map(\.embedding))
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var examples = group.compactMap { s in
            e.input(s.embedding).map { Example(rows: [], values: [], dense: $0, label: index[s.label!]!) }
        }
        e.labelNames = shape.labelNames
        if shape.labelNames {
            // Each label's name, its vector in every view the head reads, after the records.
            for (j, label) in labels.enumerated() {
                guard let v = labelVectors[label], v.count == shape.dimension else { continue }
                var x = [Float](); x.reserveCapacity(shape.views.count * shape.dimension)
                for _ in shape.views { x += v }
                e.head.standardise(&x)
                examples.append(Example(rows: [], values: [], dense: x, label: j))
            }
        }
        var rng = SeededRNG(seed: seed ^ 0xE5E5)
        do {
            try Trainer(settings: embeddingSettings).fit(e.head, examples, epochs: embeddingSettings.epochs, rng: &rng)
        } catch let d as TrainingDiverged {
            throw SetupError("\(task.isEmpty ? "" : "task \"\(task)\": ")the embedding head's training diverged (\(d.epoch.map { "epoch \($0)" } ?? "final weights")); no model written")
        }
        return e
    }
}
