import JSONLines

/// A score with four decimals, rounded half away from zero (`0.72727` → `0.7273`).
func fixed4(_ x: Double) -> String { Decimals.fixed(x, places: 4) }

/// The report for people: like scikit-learn's `classification_report`, one table per scope
/// (overall first, then each group), classes sorted by label, the averages under them, and the
/// summary figures last.
struct TableFormat {
    let report: F1Report
    let confusion: Bool

    func render() -> String {
        var out = section(title: "all records", report.overall)
        for (value, s) in report.groups {
            out += "\n" + section(title: "\(report.fields.by?.description ?? "group") = \(value.text)", s)
        }
        var summary = TextTable()
        summary.add(["challenge score (weighted F1, all records)", fixed4(report.challengeScore)])
        if let mean = report.meanOfGroupsWeightedF1 {
            summary.add(["mean of the \(report.groups.count) groups' weighted F1", fixed4(mean)])
        }
        summary.add(["records scored", String(report.overall.support)])
        summary.add(["  without a prediction (counted wrong)", String(report.overall.noPrediction)])
        summary.add(["records without a gold label (left out)", String(report.noGold)])
        if let by = report.fields.by { summary.add(["records without a \(by) value (overall only)", String(report.ungrouped)]) }
        return out + "\n" + summary.render()
    }

    private func section(title: String, _ s: ScoreSection) -> String {
        var t = TextTable()
        t.add([title, "precision", "recall", "f1", "support"])
        for c in s.classes {
            t.add([c.label.text, fixed4(c.precision), fixed4(c.recall), fixed4(c.f1), String(c.support)])
        }
        t.add([])
        if s.noPrediction > 0 { t.add(["(no prediction)", "", "", "", String(s.noPrediction)]) }
        t.add(["accuracy", "", "", fixed4(s.accuracy), String(s.support)])
        t.add(["macro avg", fixed4(s.macroPrecision), fixed4(s.macroRecall), fixed4(s.macroF1), String(s.support)])
        t.add(["micro avg", fixed4(s.microPrecision), fixed4(s.microRecall), fixed4(s.microF1), String(s.support)])
        t.add(["weighted avg", fixed4(s.weightedPrecision), fixed4(s.weightedRecall), fixed4(s.weightedF1), String(s.support)])
        var out = t.render()
        if confusion { out += "\n" + confusionTable(s.confusion) }
        return out
    }

    /// Rows: gold labels; columns: predicted labels, then "(none)" for missing predictions.
    private func confusionTable(_ m: Confusion) -> String {
        var t = TextTable()
        t.add(["gold \\ predicted"] + m.labels.map(\.text) + ["(none)"])
        for (i, label) in m.labels.enumerated() {
            t.add([label.text] + m.matrix[i].map(String.init) + [String(m.noPrediction[i])])
        }
        return t.render()
    }
}
