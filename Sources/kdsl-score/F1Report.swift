import JSONLines

/// Precision, recall and F1 of one class, as scikit-learn's `precision_recall_fscore_support`
/// computes them from the class's counts.
struct ClassScore: Sendable, Equatable {
    let label: Label
    /// Records whose gold label is this class (sklearn's `true_sum`, the "support").
    let support: Int
    /// Records predicted as this class (sklearn's `pred_sum`); "no prediction" is no class.
    let predicted: Int
    /// Records of this class predicted as this class.
    let truePositives: Int

    /// tp / predicted; 0 when nothing was predicted as this class (sklearn's zero_division default
    /// gives 0, with a warning we do not repeat).
    var precision: Double { ratio(truePositives, predicted) }
    /// tp / support; 0 when the class has no gold records (a label only predicted).
    var recall: Double { ratio(truePositives, support) }
    /// 2·tp / (support + predicted): the form sklearn (≥ 1.3) uses, equal to 2PR/(P+R) and defined
    /// as 0 when both are 0. Computing it from integers makes it bit-identical to sklearn's.
    var f1: Double { ratio(2 * truePositives, support + predicted) }
}

/// `n / d` as Double, 0 when `d == 0` (sklearn's `zero_division` default result).
@inline(__always) func ratio(_ n: Int, _ d: Int) -> Double { d == 0 ? 0 : Double(n) / Double(d) }

/// A confusion matrix over a label set: rows are gold labels, columns predicted labels, in the
/// order of `labels`; `noPrediction[i]` counts records of gold `labels[i]` without a prediction.
struct Confusion: Sendable, Equatable {
    let labels: [Label]
    let matrix: [[Int]]
    let noPrediction: [Int]
}

/// The scores of one scope (all records, or one group).
///
/// The label set follows scikit-learn: the union of the gold labels and the predicted labels of
/// the scope (`unique_labels(y_true, y_pred)`), sorted by UTF-8 bytes. A record without a
/// prediction carries a "no prediction" value that is wrong for every class and belongs to none:
/// it is a false negative of its gold class, a false positive of no class, and not a class of the
/// label set (so it neither adds a zero-F1 class to the macro average nor lowers any precision).
/// That equals sklearn given a sentinel for the missing predictions and `labels=` the real label
/// set. Consequence: with missing predictions, micro F1 = 2·tp / (support + predicted) is above
/// accuracy = tp / support; without them the two are equal, as for any single-label multiclass.
struct ScoreSection: Sendable {
    /// Per class, sorted by label bytes.
    let classes: [ClassScore]
    /// Records scored (gold label present), with or without prediction.
    let support: Int
    /// Records whose prediction equals the gold label.
    let correct: Int
    /// Records scored without a prediction (counted wrong).
    let noPrediction: Int
    /// The non-empty cells as (gold index, predicted index or nil, count), kept sparse: a dense
    /// matrix is quadratic in the labels and only built when asked for (`confusion`).
    private let sparse: [(gold: Int, pred: Int?, count: Int)]

    /// Builds the section from cells `(gold, pred, count)` of one scope. Linear in the cells.
    init(cells: [(gold: Label, pred: Label?, count: Int)]) {
        var set = Set<Label>()
        for c in cells where c.count > 0 {
            set.insert(c.gold)
            if let p = c.pred { set.insert(p) }
        }
        let labels = set.sorted()
        var index: [Label: Int] = [:]
        for (i, l) in labels.enumerated() { index[l] = i }
        var support = Array(repeating: 0, count: labels.count)
        var predicted = support, tp = support
        var sparse: [(gold: Int, pred: Int?, count: Int)] = []
        var noPrediction = 0
        for c in cells where c.count > 0 {
            let g = index[c.gold]!
            let p = c.pred.map { index[$0]! }
            support[g] += c.count
            if let p { predicted[p] += c.count } else { noPrediction += c.count }
            if p == g { tp[g] += c.count }
            sparse.append((g, p, c.count))
        }
        classes = labels.indices.map { ClassScore(label: labels[$0], support: support[$0], predicted: predicted[$0], truePositives: tp[$0]) }
        self.support = support.reduce(0, +)
        self.correct = tp.reduce(0, +)
        self.noPrediction = noPrediction
        self.sparse = sparse
    }

    /// The confusion matrix over the label set (dense: labels² cells).
    var confusion: Confusion {
        let n = classes.count
        var matrix = Array(repeating: Array(repeating: 0, count: n), count: n)
        var none = Array(repeating: 0, count: n)
        for c in sparse {
            if let p = c.pred { matrix[c.gold][p] += c.count } else { none[c.gold] += c.count }
        }
        return Confusion(labels: classes.map(\.label), matrix: matrix, noPrediction: none)
    }

    /// Records predicted as some class of the label set (all but the missing predictions).
    var predicted: Int { support - noPrediction }

    /// correct / support, missing predictions counted wrong (sklearn's `accuracy_score` on the
    /// sentinel-filled predictions); 0 on an empty scope.
    var accuracy: Double { ratio(correct, support) }

    // sklearn average="macro": the unweighted mean over the label set; 0 for an empty set.
    var macroPrecision: Double { mean(classes.map(\.precision)) }
    var macroRecall: Double { mean(classes.map(\.recall)) }
    var macroF1: Double { mean(classes.map(\.f1)) }

    // sklearn average="micro": the counts summed over the label set, then the same ratios.
    var microPrecision: Double { ratio(correct, predicted) }
    var microRecall: Double { ratio(correct, support) }
    var microF1: Double { ratio(2 * correct, support + predicted) }

    // sklearn average="weighted": weighted by each class's gold support; 0 when all supports are 0.
    var weightedPrecision: Double { weighted(\.precision) }
    var weightedRecall: Double { weighted(\.recall) }
    /// The challenge's metric (class-weighted F1) when taken over all records.
    var weightedF1: Double { weighted(\.f1) }

    private func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }

    private func weighted(_ value: (ClassScore) -> Double) -> Double {
        var sum = 0.0, weights = 0
        for c in classes { sum += value(c) * Double(c.support); weights += c.support }
        return weights == 0 ? 0 : sum / Double(weights)
    }
}

/// The whole report: overall, per group, and the summary figures of the paper and the challenge.
struct F1Report: Sendable {
    let fields: ScoreFields
    /// All scored records pooled (ungrouped ones included).
    let overall: ScoreSection
    /// One section per value of the `--by` field, sorted by the value's bytes.
    let groups: [(value: Label, section: ScoreSection)]
    /// Records without a gold label (left out).
    let noGold: Int
    /// Records without a value of the `--by` field (in `overall` only).
    let ungrouped: Int

    init(counts: ScoreCounts) {
        fields = counts.fields
        noGold = counts.noGold
        ungrouped = counts.ungrouped
        let cells = counts.sortedCells
        overall = ScoreSection(cells: cells.map { (gold: $0.cell.gold, pred: $0.cell.pred, count: $0.count) })
        var groups: [(value: Label, section: ScoreSection)] = []
        if counts.fields.by != nil {
            // sortedCells orders by group first, so each group's cells are one run.
            var start = 0
            while start < cells.count {
                var end = start
                while end < cells.count && cells[end].cell.group == cells[start].cell.group { end += 1 }
                if let value = cells[start].cell.group {
                    groups.append((value, ScoreSection(cells: cells[start..<end].map { (gold: $0.cell.gold, pred: $0.cell.pred, count: $0.count) })))
                }
                start = end
            }
        }
        self.groups = groups
    }

    /// The challenge's score: one class-weighted F1 over all records pooled (the WWW2025 metric).
    var challengeScore: Double { overall.weightedF1 }

    /// The mean of the groups' weighted F1s: the paper's OSS when the groups are its tasks on a
    /// balanced test set (DESIGN: "overall score"). Nil without groups.
    var meanOfGroupsWeightedF1: Double? {
        groups.isEmpty ? nil : groups.reduce(0.0) { $0 + $1.section.weightedF1 } / Double(groups.count)
    }

    // MARK: JSON form (docs/records.md)

    /// The report as one JSON object; keys in a fixed order, labels and groups sorted by bytes.
    func json(confusion: Bool) -> JSON {
        var groupMembers: [(String, JSON)] = []
        for (value, section) in groups { groupMembers.append((value.text, Self.json(section, confusion: confusion))) }
        return .object([
            ("gold", .string(fields.gold.description)),
            ("pred", .string(fields.pred.description)),
            ("by", .string(orNull: fields.by?.description)),
            ("overall", Self.json(overall, confusion: confusion)),
            ("groups", .object(groupMembers)),
            ("challenge_score", .double(challengeScore)),
            ("mean_of_groups_weighted_f1", meanOfGroupsWeightedF1.map { JSON.double($0) } ?? .null),
            ("no_gold", .int(Int64(noGold))),
            ("ungrouped", .int(Int64(ungrouped))),
        ])
    }

    private static func json(_ s: ScoreSection, confusion: Bool) -> JSON {
        var classes: [(String, JSON)] = []
        for c in s.classes {
            classes.append((c.label.text, .object([
                ("precision", .double(c.precision)), ("recall", .double(c.recall)), ("f1", .double(c.f1)),
                ("support", .int(Int64(c.support))), ("predicted", .int(Int64(c.predicted))),
            ])))
        }
        var members: [(String, JSON)] = [
            ("support", .int(Int64(s.support))), ("correct", .int(Int64(s.correct))),
            ("no_prediction", .int(Int64(s.noPrediction))),
            ("accuracy", .double(s.accuracy)),
            ("macro_precision", .double(s.macroPrecision)), ("macro_recall", .double(s.macroRecall)), ("macro_f1", .double(s.macroF1)),
            ("micro_precision", .double(s.microPrecision)), ("micro_recall", .double(s.microRecall)), ("micro_f1", .double(s.microF1)),
            ("weighted_precision", .double(s.weightedPrecision)), ("weighted_recall", .double(s.weightedRecall)),
            ("weighted_f1", .double(s.weightedF1)),
            ("classes", .object(classes)),
        ]
        if confusion {
            let m = s.confusion
            members.append(("confusion", .object([
                ("labels", .array(m.labels.map { .string($0.text) })),
                ("matrix", .array(m.matrix.map { row in .array(row.map { .int(Int64($0)) }) })),
                ("no_prediction", .array(m.noPrediction.map { .int(Int64($0)) })),
            ])))
        }
        return .object(members)
    }
}
