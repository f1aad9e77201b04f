import Basics
import JSONLines

/// What every report for people shows (the table, markdown, CSV and HTML): the scopes in order,
/// each scope's rows, and the summary figures, with the numbers written once, as the table prints
/// them (scores with four decimals, counts whole). The formats differ only in markup.

/// One row of a scope's table: a class, or one of the lines under the classes.
struct ScopeRow {
    /// The row's kind; its raw value is the CSV `row` column.
    enum Kind: String { case `class`, noPrediction = "no_prediction", accuracy, macroAvg = "macro_avg", microAvg = "micro_avg", weightedAvg = "weighted_avg" }
    let kind: Kind
    /// The class label, or the row's name (`macro avg`).
    let name: String
    /// Empty where the table leaves the cell blank (accuracy has only an F1-column value, as in
    /// scikit-learn's `classification_report`; "no prediction" only a support).
    let precision: String, recall: String, f1: String
    let support: String
}

extension ScoreSection {
    /// The classes sorted by label, then `(no prediction)` when any, accuracy and the averages.
    var rows: [ScopeRow] {
        var rows = classes.map {
            ScopeRow(kind: .class, name: $0.label.text, precision: fixed4($0.precision), recall: fixed4($0.recall), f1: fixed4($0.f1), support: String($0.support))
        }
        let n = String(support)
        if noPrediction > 0 { rows.append(ScopeRow(kind: .noPrediction, name: "(no prediction)", precision: "", recall: "", f1: "", support: String(noPrediction))) }
        rows.append(ScopeRow(kind: .accuracy, name: "accuracy", precision: "", recall: "", f1: fixed4(accuracy), support: n))
        rows.append(ScopeRow(kind: .macroAvg, name: "macro avg", precision: fixed4(macroPrecision), recall: fixed4(macroRecall), f1: fixed4(macroF1), support: n))
        rows.append(ScopeRow(kind: .microAvg, name: "micro avg", precision: fixed4(microPrecision), recall: fixed4(microRecall), f1: fixed4(microF1), support: n))
        rows.append(ScopeRow(kind: .weightedAvg, name: "weighted avg", precision: fixed4(weightedPrecision), recall: fixed4(weightedRecall), f1: fixed4(weightedF1), support: n))
        return rows
    }
}

/// One scope of a report: all records, or one group.
struct Scope {
    /// `all records`, or `task = intent`.
    let title: String
    /// The group value; nil for all records.
    let group: Label?
    let section: ScoreSection
}

/// One summary figure: a score (F1) or a count of records.
struct SummaryRow {
    enum Value { case score(Double), count(Int) }
    /// The CSV `row` name (`challenge_score`).
    let key: String
    /// What the table calls it (indented under the line it belongs to).
    let title: String
    /// The title without its indentation, for formats that have no columns to indent in.
    var name: String { String(title.drop { $0 == " " }) }
    let value: Value
    var text: String {
        switch value {
        case .score(let x): return fixed4(x)
        case .count(let n): return String(n)
        }
    }
}

extension F1Report {
    /// All records first, then each group in order.
    var scopes: [Scope] {
        [Scope(title: "all records", group: nil, section: overall)]
            + groups.map { Scope(title: "\(fields.by?.description ?? "group") = \($0.value.text)", group: $0.value, section: $0.section) }
    }

    /// The figures under the scopes: the challenge score, the mean of the groups' weighted F1
    /// (with groups), and what was scored and left out.
    var summaryRows: [SummaryRow] {
        var rows = [SummaryRow(key: "challenge_score", title: "challenge score (weighted F1, all records)", value: .score(challengeScore))]
        if let mean = meanOfGroupsWeightedF1 {
            rows.append(SummaryRow(key: "mean_of_groups_weighted_f1", title: "mean of the \(groups.count) groups' weighted F1", value: .score(mean)))
        }
        rows.append(SummaryRow(key: "records_scored", title: "records scored", value: .count(overall.support)))
        rows.append(SummaryRow(key: "no_prediction", title: "  without a prediction (counted wrong)", value: .count(overall.noPrediction)))
        rows.append(SummaryRow(key: "no_gold", title: "records without a gold label (left out)", value: .count(noGold)))
        if let by = fields.by { rows.append(SummaryRow(key: "ungrouped", title: "records without a \(by) value (overall only)", value: .count(ungrouped))) }
        return rows
    }
}

/// The ablation table of `--compare` (HTML and Markdown): one row per scored input, with its
/// records, records without a prediction, each group's weighted F1, their mean and the pooled
/// weighted F1 (the challenge score) and accuracy. A column's best figure, as printed, is marked
/// (several runs that print the same figure are all best).
struct AblationTable {
    /// The score columns: a scope ("task = intent", "all records") and a figure ("weighted F1").
    let columns: [(scope: String, figure: String)]
    /// Per run: its records, those without a prediction, and a printed score per column ("–" for
    /// none) with whether it is its column's best.
    let rows: [(records: Int, noPrediction: Int, cells: [(text: String, best: Bool)])]

    init(_ reports: [F1Report]) {
        let groupValues = Set(reports.flatMap { $0.groups.map(\.value) }).sorted()
        let by = reports.lazy.compactMap { $0.fields.by?.description }.first ?? "group"
        var columns = groupValues.map { (scope: "\(by) = \($0.text)", figure: "weighted F1") }
        var scores: [[Double?]] = groupValues.map { value in
            reports.map { r in r.groups.first { $0.value == value }?.section.weightedF1 }
        }
        if !groupValues.isEmpty {
            columns.append((scope: "mean of groups", figure: "weighted F1"))
            scores.append(reports.map(\.meanOfGroupsWeightedF1))
        }
        columns += [(scope: "all records", figure: "weighted F1"), (scope: "all records", figure: "accuracy")]
        scores.append(reports.map(\.challengeScore))
        scores.append(reports.map { $0.overall.accuracy })
        // Best as shown: compared in the printed units.
        let shown = scores.map { column in column.map { $0.map { Decimals.scaled($0, places: 4) } } }
        let best = shown.map { column in column.compactMap { $0 }.max() }
        self.columns = columns
        self.rows = reports.indices.map { k in
            let cells = scores.indices.map { c -> (text: String, best: Bool) in
                guard let x = scores[c][k] else { return ("–", false) }
                return (fixed4(x), reports.count > 1 && shown[c][k] == best[c])
            }
            return (reports[k].overall.support, reports[k].overall.noPrediction, cells)
        }
    }
}

