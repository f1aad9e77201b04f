/// The report as GitHub-flavoured Markdown (`--format markdown`): for a pull request, a wiki
/// page or a CI job summary. The table's numbers, as tables: one per scope (`## all records`,
/// `## task = intent`), its confusion matrix under it with `--confusion`, then `## summary`.
struct MarkdownFormat {
    let report: F1Report
    let confusion: Bool

    func render() -> String {
        var out = ""
        for scope in report.scopes {
            out += "## \(markdownEscape(scope.title))\n\n"
            var rows = [["class", "precision", "recall", "f1", "support"]]
            for r in scope.section.rows {
                // The lines under the classes in italics: a class may be called "accuracy" too.
                let name = r.kind == .class ? markdownEscape(r.name) : "*\(markdownEscape(r.name))*"
                rows.append([name, r.precision, r.recall, r.f1, r.support])
            }
            out += Self.table(rows) + "\n"
            if confusion {
                let m = scope.section.confusion
                out += "Confusion matrix (rows gold, columns predicted):\n\n"
                var cells = [(["gold \\ predicted"] + m.labels.map(\.text) + ["(none)"]).map(markdownEscape)]
                for (i, label) in m.labels.enumerated() {
                    cells.append([markdownEscape(label.text)] + m.matrix[i].map(String.init) + [String(m.noPrediction[i])])
                }
                out += Self.table(cells) + "\n"
            }
        }
        var summary = [["figure", "value"]]
        for row in report.summaryRows {
            summary.append([markdownEscape(row.name), row.text])
        }
        return out + "## summary\n\n" + Self.table(summary)
    }

    /// `--compare --format markdown`: the ablation table (one row per file, bold where a figure is
    /// its column's best), then each file's report under a `# N. FILE` heading.
    static func compared(_ runs: [(name: String, report: F1Report)], confusion: Bool) -> String {
        let ablation = AblationTable(runs.map(\.report))
        var rows = [["run", "records", "no prediction"] + ablation.columns.map { markdownEscape("\($0.scope): \($0.figure)") }]
        for (k, row) in ablation.rows.enumerated() {
            rows.append([markdownEscape(runs[k].name), String(row.records), String(row.noPrediction)]
                        + row.cells.map { $0.best ? "**\($0.text)**" : $0.text })
        }
        var out = "# kdsl-score: \(runs.count) run\(runs.count == 1 ? "" : "s") compared\n\n## ablation\n\n" + table(rows)
        out += "\nEach file scored on its own. The weighted F1 of all records is the challenge score\(runs.count > 1 ? "; bold: the best of a column" : "").\n"
        for (k, run) in runs.enumerated() {
            out += "\n# \(k + 1). \(markdownEscape(run.name))\n\n" + MarkdownFormat(report: run.report, confusion: confusion).render()
        }
        return out
    }

    /// A GitHub table: the first row is the header, the first column left-aligned, the others
    /// (numbers) right-aligned. Cells must already be escaped.
    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var out = "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.indices.map { $0 == 0 ? ":---" : "---:" }.joined(separator: "|") + "|\n"
        for row in rows.dropFirst() { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }
}

/// `text` as Markdown that shows exactly `text`, in a table cell or a heading: `|` would end the
/// cell, and `\`, `` ` ``, `*`, `[`, `]`, `<`, `>`, `~`, `&`, `$`, `#` could start markup, so each
/// is escaped with a backslash; so is `_`, except between two letters or digits (`top_up_failed`,
/// where GitHub never reads emphasis). A line break becomes `<br>` (a table row is one line).
func markdownEscape(_ text: String) -> String {
    let chars = Array(text)
    var out = ""
    for (i, c) in chars.enumerated() {
        switch c {
        case "\\", "|", "`", "*", "[", "]", "<", ">", "~", "&", "$", "#":
            out += "\\" + String(c)
        case "_":
            let inWord = i > 0 && i + 1 < chars.count && isWordCharacter(chars[i - 1]) && isWordCharacter(chars[i + 1])
            out += inWord ? "_" : "\\_"
        case "\n", "\r\n", "\r":
            out += "<br>"
        default:
            out.append(c)
        }
    }
    return out
}

private func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber }
