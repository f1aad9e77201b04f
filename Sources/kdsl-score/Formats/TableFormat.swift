import Basics
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
        let out = report.scopes.map(section).joined(separator: "\n")
        var summary = TextTable()
        for row in report.summaryRows { summary.add([row.title, row.text]) }
        return out + "\n" + summary.render()
    }

    private func section(_ scope: Scope) -> String {
        var t = TextTable()
        t.add([scope.title, "precision", "recall", "f1", "support"])
        let rows = scope.section.rows
        for r in rows where r.kind == .class { t.add([r.name, r.precision, r.recall, r.f1, r.support]) }
        t.add([])
        for r in rows where r.kind != .class { t.add([r.name, r.precision, r.recall, r.f1, r.support]) }
        var out = t.render()
        if confusion { out += "\n" + confusionTable(scope.section.confusion) }
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
