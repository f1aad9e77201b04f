/// What the embedding head of one head reads: the encoder, the views with vectors in its
/// training records (sorted by name), their length.
struct EmbeddingShape: Equatable {
    var encoder: String
    var views: [String]
    var dimension: Int

    /// The view choices `--mix auto` tries: every view, then each view alone (when there are
    /// several: the OCR text of product photos can drown the user's words).
    var candidates: [EmbeddingShape] {
        guard views.count > 1 else { return [self] }
        return [self] + views.map { EmbeddingShape(encoder: encoder, views: [$0], dimension: dimension) }
    }
}
