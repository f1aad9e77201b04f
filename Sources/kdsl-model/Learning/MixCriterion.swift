/// How `--mix auto` judges a mixing weight on the inner folds' out-of-fold probabilities.
enum MixCriterion: String, CaseIterable, Sendable {
    /// Mean cross-entropy of the mixed probabilities (smooth: every record counts, not only the
    /// ones whose label flips).
    case loss
    /// Class-weighted F1 of the mixed labels (the metric kdsl-score reports); ties (F1 moves
    /// in steps of whole records) go to the lower log-loss.
    case f1
}
