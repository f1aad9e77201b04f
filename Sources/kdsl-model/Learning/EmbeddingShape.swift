/// What the embedding head of one head reads: the encoder, the views with vectors in its
/// training records (sorted by name), their length, and whether it also learns from its labels'
/// names (`LabelNames`).
struct EmbeddingShape: Equatable {
    var encoder: String
    var views: [String]
    var dimension: Int
    /// Whether each label's name is one more training example (its vector in every view).
    var labelNames = false

    /// The choices `--mix auto` tries: every view, then each view alone (when there are several:
    /// the OCR text of product photos can drown the user's words); each without, then with the
    /// label names when `names` (the earlier wins a tie).
    func candidates(names: Bool) -> [EmbeddingShape] {
        let viewChoices = views.count > 1 ? [views] + views.map { [$0] } : [views]
        return viewChoices.flatMap { v in
            (names ? [false, true] : [false]).map { EmbeddingShape(encoder: encoder, views: v, dimension: dimension, labelNames: $0) }
        }
    }

    /// The views, and `+names` with the label names (`user+names`), for the notes.
    var summary: String { views.joined(separator: ",") + (labelNames ? "+names" : "") }
}
