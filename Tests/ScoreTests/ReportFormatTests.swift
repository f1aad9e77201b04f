import Testing
@testable import kdsl_score
import Basics
import JSONLines

/// A report over (group, gold, predicted) records; nil predicted is "no prediction".
func report(_ records: [(group: String?, gold: String, pred: String?)], by: String? = "task") -> F1Report {
    var counts = ScoreCounts(fields: ScoreFields(by: by.map { FieldPath($0) }))
    for r in records { counts.add(Cell(group: r.group.map(Label.init), gold: Label(r.gold), pred: r.pred.map(Label.init))) }
    return F1Report(counts: counts)
}

/// Labels that break each format when written raw: markup, separators, quotes, a line break, CJK.
let awkwardLabels = ["a|b", "<b>&\"x'</b>", "逗号,引号\"", "two\nlines", "退款", "*bold*", "top_up_failed", "_lead"]

/// Every label gold once and predicted as the next one (and the last without a prediction), in
/// two groups: every label is in a confusion cell off the diagonal.
var awkwardReport: F1Report {
    var records: [(group: String?, gold: String, pred: String?)] = []
    for (i, label) in awkwardLabels.enumerated() {
        records.append((i % 2 == 0 ? "意图" : "scene", label, i + 1 < awkwardLabels.count ? awkwardLabels[i + 1] : nil))
        records.append((i % 2 == 0 ? "意图" : "scene", label, label))
    }
    return report(records)
}

/// Reads RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; records end
/// with CRLF. Fails the test on a stray quote or a bare LF between records.
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = [], record: [String] = [], field = ""
    var quoted = false, afterQuote = false
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i < scalars.count {
        let c = scalars[i]
        if quoted {
            if c == "\"" {
                if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { quoted = false; afterQuote = true }
            } else { field.unicodeScalars.append(c) }
        } else if c == "\"" {
            #expect(field.isEmpty && !afterQuote, "a quote inside an unquoted field at \(i)")
            quoted = true
        } else if c == "," {
            record.append(field); field = ""; afterQuote = false
        } else if c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" {
            record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            i += 1
        } else {
            #expect(c != "\n" && c != "\r", "a bare line break outside quotes at \(i)")
            #expect(!afterQuote, "text after a closing quote at \(i)")
            field.unicodeScalars.append(c)
        }
        i += 1
    }
    #expect(!quoted && field.isEmpty && record.isEmpty, "the text must end with a complete record")
    return records
}

/// How often `needle` occurs in `text` (non-overlapping).
func occurrences(_ needle: String, in text: String) -> Int { text.ranges(of: needle).count }

@Suite struct MarkdownFormatTests {
    @Test func labelsShowAsWrittenNotAsMarkup() {
        #expect(markdownEscape("a|b") == "a\\|b")
        #expect(markdownEscape("*bold* `code` [link](x) <b>") == "\\*bold\\* \\`code\\` \\[link\\](x) \\<b\\>")
        #expect(markdownEscape("a\\b ~s~ &amp; $x$ #1") == "a\\\\b \\~s\\~ \\&amp; \\$x\\$ \\#1")
        // Underscores inside a word stay (GitHub reads no emphasis there); at a word's edge they are escaped.
        #expect(markdownEscape("top_up_failed") == "top_up_failed")
        #expect(markdownEscape("_lead trail_ a _ b") == "\\_lead trail\\_ a \\_ b")
        #expect(markdownEscape("物流_查询") == "物流_查询")
        #expect(markdownEscape("two\nlines\r\nend") == "two<br>lines<br>end")
        #expect(markdownEscape("退款 (no prediction)") == "退款 (no prediction)")
    }

    @Test func oneTablePerScopeEveryRowWithTheHeadersColumns() {
        let text = MarkdownFormat(report: awkwardReport, confusion: true).render()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.filter { $0.hasPrefix("## ") } == ["## all records", "## task = scene", "## task = 意图", "## summary"])
        // Every table line has as many unescaped pipes as its header: no label opened a cell.
        var columns = 0
        for line in lines where line.hasPrefix("|") {
            let pipes = occurrences("|", in: line) - occurrences("\\|", in: line)
            if line.hasPrefix("| class |") || line.hasPrefix("| gold \\\\ predicted |") || line.hasPrefix("| figure |") { columns = pipes }
            #expect(pipes == columns, "\(line)")
        }
        #expect(text.contains("| a\\|b | 1.0000 | 0.5000 | 0.6667 | 2 |"))
        #expect(text.contains("| \\<b\\>\\&\"x'\\</b\\> |"))
        #expect(text.contains("| two<br>lines |"))
        #expect(text.contains("| *(no prediction)* |  |  |  | 1 |"))
        #expect(text.contains("| records scored | 16 |"))
        #expect(!text.contains("\r"))
    }
}

@Suite struct CSVFormatTests {
    @Test func fieldsAreQuotedAsRFC4180Says() {
        #expect(csvField("plain") == "plain")
        #expect(csvField("退款") == "退款")
        #expect(csvField(" spaced ") == " spaced ")
        #expect(csvField("a,b") == "\"a,b\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("two\nlines") == "\"two\nlines\"")
        #expect(csvField("cr\r") == "\"cr\r\"")
        #expect(csvField("") == "")
    }

    @Test func everyRecordHasTheHeadersFieldsAndReadsBackTheLabels() {
        let r = awkwardReport
        let rows = parseCSV(CSVFormat(report: r, confusion: true).render())
        #expect(rows.first == CSVFormat.header)
        #expect(rows.allSatisfy { $0.count == CSVFormat.header.count })
        // The class rows give back each label exactly, in every scope it belongs to.
        let classRows = rows.filter { $0[2] == "class" }
        #expect(Set(classRows.filter { $0[0] == "overall" }.map { $0[3] }) == Set(awkwardLabels))
        for (value, section) in r.groups {
            let mine = classRows.filter { $0[0] == "group" && $0[1] == value.text }
            #expect(mine.map { $0[3] } == section.classes.map(\.label.text))
            #expect(mine.map { $0[7] } == section.classes.map { fixed4($0.f1) })
        }
        // The confusion is dense: labels² cells and one no-prediction cell per gold label, per scope.
        for scope in r.scopes {
            let place = scope.group.map { ["group", $0.text] } ?? ["overall", ""]
            let n = scope.section.classes.count
            let cells = rows.filter { Array($0[0...1]) == place && $0[2] == "confusion" }
            #expect(cells.count == n * n)
            let none = rows.filter { Array($0[0...1]) == place && $0[2] == "confusion_no_prediction" }
            #expect(none.count == n)
            #expect(cells.reduce(0) { $0 + Int($1[9])! } + none.reduce(0) { $0 + Int($1[9])! } == scope.section.support)
        }
        let summary = rows.filter { $0[0] == "summary" }.map { [$0[2], $0[7], $0[9]] }
        #expect(summary == [
            ["challenge_score", fixed4(r.challengeScore), ""],
            ["mean_of_groups_weighted_f1", fixed4(r.meanOfGroupsWeightedF1!), ""],
            ["records_scored", "", "16"], ["no_prediction", "", "1"], ["no_gold", "", "0"], ["ungrouped", "", "0"],
        ])
    }

    @Test func withoutConfusionOrGroupsOnlyTheOverallRows() {
        let rows = parseCSV(CSVFormat(report: report([(nil, "a", "a"), (nil, "b", "a")], by: nil), confusion: false).render())
        #expect(rows.map { $0[2] } == ["row", "class", "class", "accuracy", "macro_avg", "micro_avg", "weighted_avg",
                                       "challenge_score", "records_scored", "no_prediction", "no_gold"])
        #expect(rows[1] == ["overall", "", "class", "a", "", "0.5000", "1.0000", "0.6667", "1", ""])
        #expect(rows[3] == ["overall", "", "accuracy", "", "", "", "", "0.5000", "2", ""])
    }
}

@Suite struct HTMLFormatTests {
    @Test func escapesTheFiveCharacters() {
        #expect(htmlEscape("<b>&\"x'</b>") == "&lt;b&gt;&amp;&quot;x&#39;&lt;/b&gt;")
        #expect(htmlEscape("物流页面-物流列表页面") == "物流页面-物流列表页面")
    }

    @Test func everyLabelIsEscapedWhereverItIsShown() {
        let r = awkwardReport
        let html = HTMLFormat(runs: [.init(name: nil, report: r)]).render()
        #expect(!html.contains("<b>") && !html.contains("</b>"))
        let label = Label("<b>&\"x'</b>"), escaped = "&lt;b&gt;&amp;&quot;x&#39;&lt;/b&gt;"
        // In the table of each scope it is a class of, as a row and a column label of each group's
        // heatmap, and in the tooltips of its row's cells.
        let groups = r.groups.filter { $0.section.classes.contains { $0.label == label } }
        #expect(groups.count == 2)
        #expect(occurrences("<td>\(escaped)</td>", in: html) == 1 + groups.count)
        #expect(occurrences(">\(escaped)</text>", in: html) == 2 * groups.count)
        #expect(occurrences("gold \(escaped),", in: html) == groups.reduce(0) { $0 + $1.section.classes.count + 1 })
        // The group value 意图 as a heading; a label's line break is text (the browser shows a space).
        #expect(html.contains("<h2>task = 意图</h2>"))
        #expect(html.contains("<td>two\nlines</td>"))
    }

    @Test func theHeatmapHasOneCellPerGoldAndPredictedPair() {
        let r = awkwardReport
        let html = HTMLFormat(runs: [.init(name: nil, report: r)]).render()
        // Grouped with every record in a group: a matrix per group, not the pooled one.
        #expect(occurrences("<svg class=\"heatmap", in: html) == r.groups.count)
        for (_, section) in r.groups {
            let svg = Heatmap(confusion: section.confusion, title: "t", id: "x").svg()
            let n = section.classes.count
            #expect(occurrences("<rect class=\"cell", in: svg) == n * (n + 1))
            #expect(occurrences("<rect class=\"cell diagonal\"", in: svg) == n)
            #expect(occurrences("<text class=\"count\"", in: svg) == n * (n + 1))
            #expect(occurrences("<text class=\"row\"", in: svg) == n)
            #expect(occurrences("<text class=\"col\"", in: svg) == n + 1)
        }
        let total = r.groups.reduce(0) { $0 + $1.section.classes.count * ($1.section.classes.count + 1) }
        #expect(occurrences("<rect class=\"cell", in: html) == total)
        // Without groups, the pooled matrix is drawn.
        let plain = HTMLFormat(runs: [.init(name: nil, report: report([(nil, "a", "b"), (nil, "b", "b")], by: nil))]).render()
        #expect(occurrences("<rect class=\"cell", in: plain) == 6)
    }

    @Test func theCellsCountsAndShadesFollowTheMatrix() {
        // gold a: 3 predicted a, 1 b; gold b: 2 without a prediction.
        let m = Confusion(labels: [Label("a"), Label("b")], matrix: [[3, 1], [0, 0]], noPrediction: [0, 2])
        let svg = Heatmap(confusion: m, title: "t", id: "x").svg()
        let counts = svg.split(separator: "<text class=\"count\"").dropFirst().map { $0.split(separator: ">")[1].split(separator: "<")[0] }
        #expect(counts == ["3", "1", "0", "0", "0", "2"])
        #expect(svg.contains("fill=\"\(Heatmap.colour(0.75))\"><title>gold a, predicted a: 3 (75.0% of the row)</title>"))
        #expect(svg.contains("fill=\"\(Heatmap.colour(1))\"><title>gold b, no prediction: 2 (100.0% of the row)</title>"))
        #expect(Heatmap.colour(0) == "#f7fbff" && Heatmap.colour(1) == "#08306b" && Heatmap.colour(0.5) == "#6baed6")
        #expect(Heatmap.colour(-1) == "#f7fbff" && Heatmap.colour(2) == "#08306b")
    }

    @Test func longLabelsAreCutAndKeptWholeInTheirTooltip() {
        let long = String(repeating: "物流页面", count: 5)  // 40 columns
        let cut = Heatmap.cut(long)
        #expect(displayWidth(cut) <= Heatmap.labelColumns && cut.hasSuffix("…") && long.hasPrefix(cut.dropLast()))
        #expect(Heatmap.cut("short") == "short")
        #expect(Heatmap.labelText(long) == htmlEscape(cut) + "<title>\(long)</title>")
        #expect(Heatmap.labelText("a<b") == "a&lt;b")
        // A combining sequence is kept whole.
        #expect(Heatmap.cut(String(repeating: "e\u{301}", count: 30)).unicodeScalars.dropLast().last == "\u{301}")
    }

    @Test func aSelfContainedUTF8PageWithCJKFonts() {
        let html = HTMLFormat(runs: [.init(name: nil, report: awkwardReport)]).render()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
        #expect(html.hasSuffix("</body>\n</html>\n"))
        #expect(html.contains("\"Noto Sans CJK SC\""))
        // Nothing to run and nothing to fetch: the only URL is the SVG namespace.
        for needle in ["<script", "src=", "<link", "@import", "url(http"] { #expect(!html.contains(needle), "\(needle)") }
        #expect(occurrences("http", in: html) == occurrences("xmlns=\"http://www.w3.org/2000/svg\"", in: html))
    }

    @Test func theSameCountsGiveTheSameBytes() {
        let records = awkwardLabels.enumerated().map { (group: Optional("g\($0.offset % 3)"), gold: $0.element, pred: Optional(awkwardLabels[($0.offset * 5) % awkwardLabels.count])) }
        let a = HTMLFormat(runs: [.init(name: "a.jsonl", report: report(records)), .init(name: "b.jsonl", report: report(Array(records.reversed())))]).render()
        let b = HTMLFormat(runs: [.init(name: "a.jsonl", report: report(Array(records.reversed()))), .init(name: "b.jsonl", report: report(records))]).render()
        #expect(a == b)
    }

    @Test func theComparisonHasOneRowPerRunAndBoldsTheBest() {
        let good = report([("intent", "退款", "退款"), ("intent", "发票", "发票"), ("scene", "x", "x")])
        let worse = report([("intent", "退款", "发票"), ("intent", "发票", "发票"), ("scene", "x", "x")])
        let noScene = report([("intent", "退款", "退款")])
        let html = HTMLFormat(runs: [.init(name: "model.jsonl", report: worse), .init(name: "a&b.jsonl", report: good), .init(name: "c.jsonl", report: noScene)]).render()
        #expect(occurrences("<tr class=\"run\">", in: html) == 3)
        #expect(html.contains("<h1>kdsl-score: 3 runs compared</h1>"))
        #expect(html.contains("<tr class=\"run\"><td><a href=\"#run-2\">a&amp;b.jsonl</a></td>"))
        #expect(html.contains("<h2 id=\"run-2\">2. a&amp;b.jsonl</h2>"))
        #expect(html.contains("<th class=\"n\">task = intent<br>weighted F1</th><th class=\"n\">task = scene<br>weighted F1</th>"))
        // Intent: good 1.0 (bold) as is noScene's; worse 0.3333. Scene: good and worse tie at 1 (both bold), noScene has none.
        let rows = html.split(separator: "<tr class=\"run\">").dropFirst().map { String($0.prefix { $0 != "\n" }) }
        #expect(rows[0].contains("<td class=\"n\">0.3333</td><td class=\"n best\">1.0000</td>"))
        #expect(rows[1].contains("<td class=\"n best\">1.0000</td><td class=\"n best\">1.0000</td>"))
        #expect(rows[2].contains("<td class=\"n best\">1.0000</td><td class=\"n\">–</td>"))
        // One run: nothing to compare against, nothing bold.
        let one = HTMLFormat(runs: [.init(name: "only.jsonl", report: good)]).render()
        #expect(!one.contains(" best\"") && occurrences("<tr class=\"run\">", in: one) == 1)
    }
}

@Suite struct TableFormatTests {
    @Test func fourDecimals() {
        #expect(fixed4(0) == "0.0000")
        #expect(fixed4(1) == "1.0000")
        #expect(fixed4(2.0 / 3) == "0.6667")
        #expect(fixed4(0.00005) == "0.0001")
        #expect(fixed4(0.12344999) == "0.1234")
    }
}
