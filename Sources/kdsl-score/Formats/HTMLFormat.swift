import JSONLines

/// The report as one self-contained HTML page (`--format html`): inline CSS, inline SVG, no
/// script and nothing fetched, so it opens from a file or a CI artefact anywhere. Per scope the
/// table's numbers and a confusion-matrix heatmap (`Heatmap`); with `--compare`, first an
/// ablation table with one row per input file, then each file's report.
struct HTMLFormat {
    /// One scored input: `name` is the file as given with `--compare`, nil for the one stream.
    struct Run {
        let name: String?
        let report: F1Report
    }
    let runs: [Run]

    /// Labels are often Chinese: the CJK faces of Linux, macOS and Windows are named after the
    /// Latin ones, so both scripts get a real font.
    static let fonts = #"system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif"#

    static let style = """
        body { font-family: \(fonts); margin: 2em; color: #1b1f24; background: #ffffff; line-height: 1.4; }
        h1 { font-size: 1.5em; margin: 0 0 .3em; }
        h2 { font-size: 1.25em; margin: 2em 0 .5em; padding-bottom: .2em; border-bottom: 1px solid #d0d7de; }
        h3 { font-size: 1.05em; margin: 1.6em 0 .4em; }
        p.meta, p.note { color: #57606a; margin: .2em 0; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; }
        table { border-collapse: collapse; margin: .4em 0 1em; }
        th, td { border: 1px solid #d0d7de; padding: .25em .6em; vertical-align: top; }
        th { background: #f6f8fa; text-align: left; font-weight: 600; }
        th.n, td.n { text-align: right; font-variant-numeric: tabular-nums; }
        td.n { white-space: nowrap; }
        td:first-child { max-width: 32em; overflow-wrap: break-word; }
        tr.sum td { background: #fafbfc; }
        tr.sum.first td { border-top: 2px solid #8c959f; }
        td.best { font-weight: 700; }
        svg.heatmap { display: block; margin: .4em 0 1.2em; }
        svg.heatmap text { font-family: inherit; }
        svg.heatmap text.row, svg.heatmap text.col { font-size: \(Heatmap.labelFont)px; fill: #1b1f24; }
        svg.heatmap text.axis, svg.heatmap text.legend { font-size: 11px; fill: #57606a; }
        svg.heatmap text.row { text-anchor: end; dominant-baseline: central; }
        svg.heatmap text.count { font-size: 11px; text-anchor: middle; dominant-baseline: central; pointer-events: none; }
        svg.heatmap.small text.count { font-size: 9px; }
        div.matrix { overflow-x: auto; }
        svg.heatmap rect.cell { stroke: #ffffff; stroke-width: 1; }
        svg.heatmap rect.cell.diagonal { stroke: #57606a; }
        """

    func render() -> String {
        let compare = runs.contains { $0.name != nil }
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>kdsl-score report</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body>

            """
        var heatmaps = 0
        if compare {
            out += "<h1>kdsl-score: \(runs.count) run\(runs.count == 1 ? "" : "s") compared</h1>\n"
            out += "<p class=\"note\">Each file scored on its own; a file's name leads to its report.</p>\n"
            out += "<h2>Ablation</h2>\n" + ablation()
            for (k, run) in runs.enumerated() {
                out += "<h2 id=\"run-\(k + 1)\">\(k + 1). \(htmlEscape(run.name ?? "stdin"))</h2>\n"
                out += body(run.report, level: 3, heatmaps: &heatmaps)
            }
        } else if let run = runs.first {
            out += "<h1>kdsl-score report</h1>\n" + body(run.report, level: 2, heatmaps: &heatmaps)
        }
        return out + "</body>\n</html>\n"
    }

    /// One report: what was scored, the summary, then each scope's table and heatmap, under
    /// headings of `level`.
    private func body(_ report: F1Report, level: Int, heatmaps: inout Int) -> String {
        let fields = report.fields
        var out = "<p class=\"meta\">gold label <code>\(htmlEscape(fields.gold.description))</code>, prediction <code>\(htmlEscape(fields.pred.description))</code>"
        out += fields.by.map { ", grouped by <code>\(htmlEscape($0.description))</code>" } ?? ""
        out += "</p>\n"
        out += "<h\(level)>summary</h\(level)>\n<table class=\"summary\">\n<tbody>\n"
        for row in report.summaryRows {
            out += "<tr><td>\(htmlEscape(row.name))</td><td class=\"n\">\(row.text)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        // Matrices per group; the pooled one only where it holds records no group shows. An empty
        // scope has no matrix to draw.
        let drawPooled = report.groups.isEmpty || report.ungrouped > 0
        for scope in report.scopes {
            out += "<h\(level)>\(htmlEscape(scope.title))</h\(level)>\n" + Self.table(scope.section)
            if (scope.group != nil || drawPooled) && !scope.section.classes.isEmpty {
                heatmaps += 1
                out += "<div class=\"matrix\">\n" + Heatmap(confusion: scope.section.confusion, title: scope.title, id: "m\(heatmaps)").svg() + "</div>\n"
            }
        }
        return out
    }

    /// A scope's table: the classes, then the lines under them, as the text table has them.
    static func table(_ s: ScoreSection) -> String {
        var out = "<table class=\"scores\">\n<thead><tr><th>class</th><th class=\"n\">precision</th><th class=\"n\">recall</th><th class=\"n\">f1</th><th class=\"n\">support</th></tr></thead>\n<tbody>\n"
        var first = true
        for r in s.rows {
            let kind = r.kind == .class ? "class" : first ? "sum first" : "sum"
            if r.kind != .class { first = false }
            out += "<tr class=\"\(kind)\"><td>\(htmlEscape(r.name))</td>"
            for value in [r.precision, r.recall, r.f1, r.support] { out += "<td class=\"n\">\(value)</td>" }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// One row per run: records, the weighted F1 of each group (the paper's DIS and ISS for its
    /// intent and scene tasks), their mean, the weighted F1 and accuracy of all records. The best
    /// value of each score column is bold when there is more than one run.
    private func ablation() -> String {
        let table = AblationTable(runs.map(\.report))
        // Two-line headers keep the columns narrow: the scope, then the figure.
        let header = ["run", "records", "no prediction"] + table.columns.map { htmlEscape($0.scope) + "<br>" + $0.figure }
        var out = "<table class=\"ablation\">\n<thead><tr>"
        for (i, cell) in header.enumerated() { out += i == 0 ? "<th>\(cell)</th>" : "<th class=\"n\">\(cell)</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for (k, row) in table.rows.enumerated() {
            out += "<tr class=\"run\"><td><a href=\"#run-\(k + 1)\">\(htmlEscape(runs[k].name ?? "stdin"))</a></td>"
            out += "<td class=\"n\">\(row.records)</td><td class=\"n\">\(row.noPrediction)</td>"
            for cell in row.cells { out += "<td class=\"n\(cell.best ? " best" : "")\">\(cell.text)</td>" }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        return out + "<p class=\"note\">The weighted F1 of all records is the challenge score\(runs.count > 1 ? "; bold: the best of a column" : "").</p>\n"
    }
}

/// `text` safe in HTML text and in attribute values: `&`, `<`, `>`, `"` and `'` as entities.
func htmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
