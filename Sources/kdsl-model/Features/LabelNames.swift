import EncoderCLI
import JSONLines
import SentenceEncoder

/// `--label-names`: whether the embedding heads also learn from their labels' names.
enum LabelNameMode: String, CaseIterable, Sendable {
    /// Used when the records' vectors are multilingual-e5-small's and its weights load; tried
    /// against not using them on the inner folds when the mix is chosen there.
    case auto
    /// Always (a setup error when they cannot be embedded).
    case on
    /// Never; the encoder is not loaded.
    case off
}

/// The names of the labels as sentence vectors: a label such as `card_arrival` or `是否易褪色`
/// says what its class is about in words the encoder knows, so each embedding head may take its
/// labels' names as one more training example each (`EmbeddingShape.labelNames`). With 3-10
/// records a class, that example is a fair share of what the head knows of it
/// (docs/benchmarks.md, "Label names and the user's last turn").
enum LabelNames {
    /// The text embedded for `label`: its `_` read as spaces (`card_arrival` → `card arrival`),
    /// runs of white space one space, none at the ends; nil when it has no letter (`3`, `-1`,
    /// `__`): a class number names nothing the encoder knows.
    static func text(of label: String) -> String? {
        guard label.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { return nil }
        return label.split(whereSeparator: { $0 == "_" || $0.isWhitespace }).joined(separator: " ")
    }

    /// Each label's vector, each label embedded alone (so a label's vector does not depend on the
    /// other labels of the run) with e5's `query: ` prefix, as kdsl-embed embeds a record's text.
    static func vectors(_ labels: [String], encoder: SentenceEncoder) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for label in labels {
            guard let text = text(of: label) else { continue }
            out[label] = encoder.embed([text])[0]
        }
        return out
    }
}

extension ModelBuilder {
    /// Embeds the names of the labels of `samples` for the embedding heads (`labelVectors`),
    /// once for every head and fold. Nothing under `--embedding off` or `--label-names off`, or
    /// when no labelled record carries vectors. The records' vectors must come from the encoder
    /// kdsl-model runs (multilingual-e5-small) with its length; otherwise, and when its weights do
    /// not load, `--label-names on` is a setup error and `auto` says why it goes without.
    mutating func embedLabelNames(_ samples: [Sample]) throws {
        guard embedding != .off, labelNames != .off else { return }
        let labelled = samples.filter { $0.label != nil }
        guard let carrier = labelled.first(where: { $0.embedding?.vectors.isEmpty == false }),
              let e = carrier.embedding, let dimension = e.vectors.first?.vector.count else { return }
        func without(_ why: String) throws {
            if labelNames == .on { throw SetupError("--label-names on: \(why)") }
            Diagnostics.shared.note("the label names are not used: \(why) (--label-names off leaves them out without this note)")
        }
        guard e.encoder == SentenceEncoder.name else {
            return try without("the records' vectors come from \"\(e.encoder)\", and kdsl-model embeds the names with \(SentenceEncoder.name)")
        }
        let encoder: SentenceEncoder
        do {
            encoder = try EncoderModel.load(encoderPath)
        } catch let error as SetupError {
            return try without(error.message)
        }
        guard encoder.dimension == dimension else {
            return try without("the records' vectors have \(dimension) numbers and the encoder of \(encoderPath) gives \(encoder.dimension)")
        }
        labelVectors = LabelNames.vectors(Set(labelled.compactMap(\.label)).sorted(), encoder: encoder)
        if labelVectors.isEmpty { try without("no label has a letter in its name (class numbers name nothing the encoder knows)") }
    }
}
