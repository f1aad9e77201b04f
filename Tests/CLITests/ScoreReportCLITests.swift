import Foundation
import Testing
import TestSupport

/// `kdsl-score --format markdown|csv|html` and `--compare`, through the binary.
@Suite struct ScoreReportCLITests {
    static let sample = ScoreCLITests.sample

    /// A fresh folder holding `files` (name → contents); removed by the caller's `defer`.
    func folder(_ files: [String: String]) throws -> URL {
        let dir = testScratchRoot.appendingPathComponent("kdsl-score-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: false, encoding: .utf8) }
        return dir
    }

    @Test func everyFormatScoresAndTheTableIsUnchanged() throws {
        let table = try runTool("kdsl-score", ["--group-field", "task"], input: Self.sample)
        for format in ["table", "json", "markdown", "csv", "html"] {
            let run = try runTool("kdsl-score", ["--format", format, "--group-field", "task", "--confusion"], input: Self.sample)
            #expect(run.status == 0, "\(format): \(run.err)")
            #expect(run.err == table.err, "\(format): the same warnings")
            #expect(!run.out.isEmpty)
        }
        let explicit = try runTool("kdsl-score", ["--format", "table", "--group-field", "task"], input: Self.sample)
        #expect(explicit.out == table.out)
    }

    @Test func markdownAndCSVCarryTheTablesNumbers() throws {
        let md = try runTool("kdsl-score", ["--format", "markdown", "--group-field", "task"], input: Self.sample).out
        #expect(md.contains("## task = intent\n\n| class | precision | recall | f1 | support |\n|:---|---:|---:|---:|---:|\n| 发票 | 0.5000 | 1.0000 | 0.6667 | 1 |\n"))
        #expect(md.contains("| challenge score (weighted F1, all records) | 0.6667 |"))
        let csv = try runTool("kdsl-score", ["--format", "csv", "--group-field", "task"], input: Self.sample).out
        #expect(csv.hasPrefix("scope,group,row,label,predicted,precision,recall,f1,support,count\r\n"))
        #expect(csv.contains("\r\ngroup,intent,class,退款,,1.0000,0.5000,0.6667,2,\r\n"))
        #expect(csv.contains("\r\ngroup,scene,no_prediction,,,,,,1,\r\n"))
        #expect(csv.hasSuffix("\r\nsummary,,ungrouped,,,,,,,0\r\n"))
    }

    @Test func compareNeedsAPageFormat() throws {
        for args in [["--compare"], ["--compare", "--format", "csv"], ["--compare", "--format", "json"], ["--compare", "--emit-counts"]] {
            let run = try runTool("kdsl-score", args, input: Self.sample)
            #expect(run.status == 2, "\(args)")
            #expect(run.out == "")
            #expect(run.err.contains("Usage: kdsl-score"), "\(args)")
        }
        let run = try runTool("kdsl-score", ["--compare"], input: "")
        #expect(run.err.contains("--compare writes a page for people: give --format html or --format markdown as well"))
    }

    @Test func compareScoresEachFileOnItsOwn() throws {
        let lines = Self.sample.split(separator: "\n").map(String.init)
        let dir = try folder([
            "all.jsonl": Self.sample,
            "a&b.jsonl": lines[0...2].joined(separator: "\n") + "\n",
            "scene.jsonl": lines[3...4].joined(separator: "\n") + "\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runTool("kdsl-score", ["--format", "html", "--compare", "--group-field", "task", "all.jsonl", "a&b.jsonl", "scene.jsonl"], directory: dir)
        #expect(run.status == 0, "\(run.err)")
        let html = run.out
        #expect(html.components(separatedBy: "<tr class=\"run\">").count - 1 == 3)
        #expect(html.contains("<a href=\"#run-2\">a&amp;b.jsonl</a>"))
        // all.jsonl: 5 records, 1 unpredicted; a&b: 3 intent records; scene.jsonl: 2, 1 unpredicted.
        #expect(html.contains("<td><a href=\"#run-1\">all.jsonl</a></td><td class=\"n\">5</td><td class=\"n\">1</td><td class=\"n best\">0.6667</td><td class=\"n best\">0.6667</td>"))
        #expect(html.contains("<td><a href=\"#run-2\">a&amp;b.jsonl</a></td><td class=\"n\">3</td><td class=\"n\">0</td><td class=\"n best\">0.6667</td><td class=\"n\">–</td>"))
        #expect(html.contains("<td><a href=\"#run-3\">scene.jsonl</a></td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">–</td><td class=\"n best\">0.6667</td>"))
        // The warnings name the file.
        #expect(run.err.contains("kdsl-score: scene.jsonl: line 1: warning: no prediction"))
        #expect(run.err.contains("kdsl-score: warning: all.jsonl: 1 record without a prediction"))
        // The same bytes again, and the pooled files (no --compare) give the single report.
        let again = try runTool("kdsl-score", ["--format", "html", "--compare", "--group-field", "task", "all.jsonl", "a&b.jsonl", "scene.jsonl"], directory: dir)
        #expect(again.out == html)
        let pooled = try runTool("kdsl-score", ["--format", "html", "--group-field", "task", "a&b.jsonl", "scene.jsonl"], directory: dir)
        let whole = try runTool("kdsl-score", ["--format", "html", "--group-field", "task", "all.jsonl"], directory: dir)
        #expect(pooled.out == whole.out && pooled.out.hasPrefix("<!DOCTYPE html>") && !pooled.out.contains("compared"))
    }

    @Test func compareReportsBadLinesAndFilesWithoutPredictionsByName() throws {
        let dir = try folder([
            "good.jsonl": Self.sample,
            "bad.jsonl": "{\"label\":\"a\",\"prediction\":{\"label\":\"a\"}}\n{oops\n",
            "unpredicted.jsonl": "{\"label\":\"a\",\"model\":{\"label\":\"a\"}}\n",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = try runTool("kdsl-score", ["--format", "html", "--compare", "good.jsonl", "bad.jsonl"], directory: dir)
        #expect(bad.status == 1)
        #expect(bad.err.contains("kdsl-score: bad.jsonl: line 2: invalid JSON"))
        #expect(bad.out.contains("<a href=\"#run-2\">bad.jsonl</a>"))
        // A file of which no record has a prediction: the page is written, then exit 2 naming it.
        let none = try runTool("kdsl-score", ["--format", "html", "--compare", "good.jsonl", "unpredicted.jsonl"], directory: dir)
        #expect(none.status == 2)
        #expect(none.out.hasSuffix("</html>\n"))
        #expect(none.err.contains("no record in unpredicted.jsonl has a prediction at \"prediction.label\""))
    }

    @Test func compareReadsOneRunsCountsPerFile() throws {
        let lines = Self.sample.split(separator: "\n").map(String.init)
        let dir = try folder(["all.jsonl": Self.sample, "part.jsonl": lines[0...2].joined(separator: "\n") + "\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runShell("""
            set -euo pipefail
            cd '\(dir.path)'
            kdsl-score --emit-counts --group-field task all.jsonl > all.counts 2>/dev/null
            kdsl-score --emit-counts --group-field task part.jsonl > part.counts
            kdsl-score --format html --compare --merge-counts all.counts part.counts > counts.html 2>/dev/null
            kdsl-score --format html --compare --group-field task all.jsonl part.jsonl > records.html 2>/dev/null
            sed 's/\\.counts/.jsonl/g' counts.html | cmp - records.html && echo same
            """)
        #expect(run.out == "same\n", "\(run.err)")
    }
}
