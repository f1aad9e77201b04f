import Foundation
import Testing
import TestSupport

/// Golden pipe tests of `kdsl-score` (built as .build/debug/kdsl-score, or in $KDSL_BIN).
@Suite struct ScoreCLITests {
    /// Five records, two tasks, one missing prediction; every figure below was worked out by hand:
    /// overall A="logistics page" tp1 s2 p1, 发票 tp1 s1 p2, 退款 tp1 s2 p1, one record unpredicted.
    static let sample = """
        {"id":1,"task":"intent","label":"退款","prediction":{"label":"退款"}}
        {"id":2,"task":"intent","label":"退款","prediction":{"label":"发票"}}
        {"id":3,"task":"intent","label":"发票","prediction":{"label":"发票"}}
        {"id":4,"task":"scene","label":"logistics page","prediction":null}
        {"id":5,"task":"scene","label":"logistics page","prediction":{"label":"logistics page"}}

        """

    func json(_ run: ToolRun) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
    }

    @Test func groupsAndConfusionInJSON() throws {
        let run = try runTool("kdsl-score", ["--format", "json", "--group-field", "task", "--confusion"], input: Self.sample)
        #expect(run.status == 0)
        let report = try json(run)
        let groups = try #require(report["groups"] as? [String: Any])
        #expect(groups.keys.sorted() == ["intent", "scene"])
        let intent = try #require(groups["intent"] as? [String: Any])
        #expect(intent["weighted_f1"] as? Double == 2.0 / 3)
        #expect((report["mean_of_groups_weighted_f1"] as? Double).map { abs($0 - 2.0 / 3) < 1e-15 } == true)
        let overall = try #require(report["overall"] as? [String: Any])
        let confusion = try #require(overall["confusion"] as? [String: Any])
        #expect(confusion["labels"] as? [String] == ["logistics page", "发票", "退款"])
        #expect(confusion["matrix"] as? [[Int]] == [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
        #expect(confusion["no_prediction"] as? [Int] == [1, 0, 0])
    }

    @Test func confusionTable() throws {
        let run = try runTool("kdsl-score", ["--confusion"], input: Self.sample)
        #expect(run.out.contains("""
            gold \\ predicted  logistics page  发票  退款  (none)
            logistics page                 1     0     0       1
            发票                           0     1     0       0
            退款                           0     1     1       0
            """))
    }

    @Test func malformedLineIsReportedAndTheRestScored() throws {
        let input = #"{"label":"a","prediction":{"label":"a"}}"# + "\n{\"label\": \"a\", oops}\n" + #"{"label":"b","prediction":{"label":"b"}}"# + "\n"
        let run = try runTool("kdsl-score", ["--format", "json"], input: input)
        #expect(run.status == 1)
        #expect(run.err.hasPrefix("kdsl-score: line 2: invalid JSON"))
        #expect((try json(run)["overall"] as? [String: Any])?["support"] as? Int == 2)
    }

    @Test func nonObjectJSONIsABadLine() throws {
        let run = try runTool("kdsl-score", ["--format", "json"], input: "[1,2]\n\"label\"\n42\nnull\n")
        #expect(run.status == 1)
        #expect(run.err == """
            kdsl-score: line 1: expected a JSON object, got an array
            kdsl-score: line 2: expected a JSON object, got a string
            kdsl-score: line 3: expected a JSON object, got a number
            kdsl-score: line 4: expected a JSON object, got null

            """)
        #expect((try json(run)["overall"] as? [String: Any])?["support"] as? Int == 0)
    }

    @Test func missingOrNonStringGoldIsReportedAndLeftOut() throws {
        let input = """
            {"prediction":{"label":"a"}}
            {"label":7,"prediction":{"label":"a"}}
            {"label":"a","prediction":{"label":"a"}}
            {"error":{"stage":"kdsl-ocr","line":4,"message":"x","raw":"oops"}}

            """
        let run = try runTool("kdsl-score", ["--format", "json"], input: input)
        #expect(run.status == 1)
        #expect(run.err == """
            kdsl-score: line 1: no gold label at "label"; left out of the score
            kdsl-score: line 2: the gold label at "label" is a number, expected a string; left out of the score
            kdsl-score: line 4: no gold label at "label" (the record carries an error from an earlier stage); left out of the score

            """)
        let report = try json(run)
        #expect(report["no_gold"] as? Int == 3)
        #expect((report["overall"] as? [String: Any])?["accuracy"] as? Double == 1)
    }

    @Test func missingPredictionsCountAsWrong() throws {
        let input = """
            {"label":"a"}
            {"label":"a","prediction":null}
            {"label":"a","prediction":{"label":["a"]}}
            {"label":"a","prediction":{"label":"a"},"error":{"stage":"kdsl-model","message":"x"}}
            {"label":"a","prediction":{"label":"a"}}

            """
        let run = try runTool("kdsl-score", ["--format", "json"], input: input)
        #expect(run.status == 0)
        #expect(run.err.contains("4 records without a prediction"))
        // Each is named with its line (the first five; a sharded run's counts say nothing per line).
        for line in 1...4 { #expect(run.err.contains("line \(line): warning: no prediction")) }
        #expect(!run.err.contains("line 5:"))
        #expect(try runTool("kdsl-score", ["--emit-counts"], input: input).err.isEmpty)
        let overall = try #require(try json(run)["overall"] as? [String: Any])
        #expect(overall["no_prediction"] as? Int == 4)
        #expect(overall["accuracy"] as? Double == 0.2)
        // "no prediction" is no class: "a" is the only label, predicted once and right.
        #expect((overall["classes"] as? [String: Any])?.keys.sorted() == ["a"])
        #expect(overall["micro_precision"] as? Double == 1)
    }

    @Test func emptyInputGivesAZeroReport() throws {
        for input in ["", "\n  \n"] {
            let run = try runTool("kdsl-score", ["--format", "json", "--group-field", "task"], input: input)
            #expect(run.status == 0)
            #expect(run.err == "")
            #expect(run.out == #"{"gold":"label","pred":"prediction.label","by":"task","overall":{"support":0,"correct":0,"no_prediction":0,"accuracy":0.0,"macro_precision":0.0,"macro_recall":0.0,"macro_f1":0.0,"micro_precision":0.0,"micro_recall":0.0,"micro_f1":0.0,"weighted_precision":0.0,"weighted_recall":0.0,"weighted_f1":0.0,"classes":{}},"groups":{},"challenge_score":0.0,"mean_of_groups_weighted_f1":null,"no_gold":0,"ungrouped":0}"# + "\n")
        }
        let table = try runTool("kdsl-score", [], input: "")
        #expect(table.status == 0 && table.out.contains("records scored                                   0"))
    }

    @Test func hugeLine() throws {
        // A 40 MB text field between the label and the prediction.
        var input = Data(#"{"label":"a","text":""#.utf8)
        input.append(Data(repeating: UInt8(ascii: "x"), count: 40 << 20))
        input.append(Data(#"","prediction":{"label":"b"}}"#.utf8))
        input.append(Data("\n".utf8))
        input.append(Data(#"{"label":"b","prediction":{"label":"b"}}"#.utf8))
        let run = try runTool("kdsl-score", ["--format", "json"], stdin: input)
        #expect(run.status == 0)
        let overall = try #require(try json(run)["overall"] as? [String: Any])
        #expect(overall["support"] as? Int == 2 && overall["accuracy"] as? Double == 0.5)
    }

    @Test func invalidUTF8IsABadLine() throws {
        var input = Data(#"{"label":"a","prediction":{"label":"a"}}"#.utf8 + [0x0A])
        input.append(Data(#"{"label":""#.utf8 + [0xFF, 0xFE] + #"","prediction":{"label":"a"}}"#.utf8 + [0x0A]))
        let run = try runTool("kdsl-score", ["--format", "json"], stdin: input)
        #expect(run.status == 1)
        #expect(run.err.hasPrefix("kdsl-score: line 2: invalid JSON"))
        #expect(run.err.contains("0xff"))
        #expect((try json(run)["overall"] as? [String: Any])?["support"] as? Int == 1)
    }

    @Test func headClosesThePipeQuietly() throws {
        // Enough classes for a table far larger than a pipe buffer, so writing hits EPIPE.
        let run = try runShell("""
            set -o pipefail
            seq 1 20000 | awk '{printf "{\\"label\\":\\"label-%05d\\",\\"prediction\\":{\\"label\\":\\"label-%05d\\"}}\\n", $1, $1}' > "$TMPDIR/kdsl-score-head.jsonl"
            kdsl-score "$TMPDIR/kdsl-score-head.jsonl" | head -1
            """, environment: ["TMPDIR": FileManager.default.temporaryDirectory.path])
        #expect(run.status == 0)
        #expect(run.err == "")
        #expect(run.out == "all records   precision  recall      f1  support\n")
    }

    @Test func unknownFlagIsAUsageError() throws {
        let run = try runTool("kdsl-score", ["--frobnicate"], input: "")
        #expect(run.status == 2)
        #expect(run.out == "")
        #expect(run.err.hasPrefix("kdsl-score: Unknown option '--frobnicate'"))
        #expect(run.err.contains("Usage: kdsl-score"))
    }

    @Test func contradictoryFlagsAreUsageErrors() throws {
        for args in [["--merge-counts", "--group-field", "task"], ["--emit-counts", "--confusion"], ["--format", "xml"], ["--label-field", "a..b"]] {
            let run = try runTool("kdsl-score", args, input: "")
            #expect(run.status == 2, "\(args)")
            #expect(run.err.contains("Usage: kdsl-score"), "\(args)")
        }
    }

    @Test func helpShowsAbstractFieldsExitStatusesAndExamples() throws {
        let run = try runTool("kdsl-score", ["--help"], input: "")
        #expect(run.status == 0)
        for needle in ["OVERVIEW: Score predictions", "Fields read", "Exit status", "kdsl-score --merge-counts", "--group-field <path>"] {
            #expect(run.out.contains(needle), "\(needle)")
        }
    }

    @Test func helpExamplesRun() throws {
        // The --help examples that need only kdsl-score (and jq), run as written in a folder
        // holding the files they name.
        let help = try runTool("kdsl-score", ["--help"], input: "").out
        let examples = help.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { ($0.hasPrefix("kdsl-score") || $0.hasPrefix("cat shard")) }
        #expect(examples.count == 5)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-score-help-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.sample.write(to: dir.appendingPathComponent("scored.jsonl"), atomically: true, encoding: .utf8)
        for name in ["shard-1.jsonl", "model.jsonl", "merged.jsonl"] {
            try Self.sample.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let run = try runShell("set -euo pipefail; cd '\(dir.path)'\n" + examples.joined(separator: "\n"))
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.hasPrefix("0.6666666666666666\nall records"))
        #expect(run.out.contains("gold \\ predicted"))
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("## all records\n"))
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<a href=\"#run-2\">merged.jsonl</a>"))
    }

    @Test func strictStopsAtTheFirstBadLine() throws {
        let run = try runTool("kdsl-score", ["--strict"], input: "{\"label\":\"a\"}\n{\"nolabel\":1}\n{\"label\":\"a\"}\n")
        #expect(run.status == 1)
        #expect(run.out == "")
        #expect(run.err == """
            kdsl-score: line 1: warning: no prediction at "prediction.label" (or the record carries an error): counted as wrong
            kdsl-score: line 2: no gold label at "label"; left out of the score

            """)
    }

    @Test func mergedShardsGiveTheUnshardedReport() throws {
        // The sample split in three files; their counts, concatenated, merged: the same bytes.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = Self.sample.split(separator: "\n")
        for (i, range) in [0..<2, 2..<3, 3..<5].enumerated() {
            try (lines[range].joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("s\(i).jsonl"), atomically: true, encoding: .utf8)
        }
        try Self.sample.write(to: dir.appendingPathComponent("all.jsonl"), atomically: true, encoding: .utf8)
        for format in ["json", "table"] {
            let run = try runShell("""
                set -euo pipefail
                cd '\(dir.path)'
                for s in s0 s1 s2; do kdsl-score --emit-counts --group-field task $s.jsonl; done > counts.jsonl
                kdsl-score --merge-counts --confusion --format \(format) counts.jsonl > merged.out 2>/dev/null
                kdsl-score --group-field task --confusion --format \(format) all.jsonl > whole.out 2>/dev/null
                cmp merged.out whole.out && echo same
                """)
            #expect(run.out == "same\n", "\(format): \(run.err)")
        }
        // Counts of different runs do not mix.
        let mixed = try runShell("""
            cd '\(dir.path)'
            { kdsl-score --emit-counts --group-field task s0.jsonl; kdsl-score --emit-counts s1.jsonl; } | kdsl-score --merge-counts
            """)
        #expect(mixed.status == 2)
        #expect(mixed.err.contains("counts of different runs cannot be merged"))
    }

    /// A count no run can hold (past 2^53 in all, or an Int64 near its limit) is a bad line named
    /// with its number, never an arithmetic trap; the counts before it are still reported.
    @Test func impossibleCountsAreBadLinesNotTraps() throws {
        let header = #"{"kind":"header","version":1,"gold":"label","pred":"prediction.label","by":null}"#
        for big in ["4611686018427387904", "9223372036854775807"] {
            let run = try runTool("kdsl-score", ["--merge-counts", "--format", "json"], input: header + "\n" + #"{"kind":"cell","group":null,"gold":"a","pred":"a","count":3}"# + "\n" + #"{"kind":"cell","group":null,"gold":"a","pred":"b","count":\#(big)}"# + "\n")
            #expect(run.status == 1, "\(run.err)")
            #expect(run.err.contains("line 3: count \(big) takes the merged total past 2^53"))
            #expect(run.out.contains(#""support":3"#))
        }
        // Up to the limit the sums are exact.
        let edge = try runTool("kdsl-score", ["--merge-counts", "--format", "json"], input: header + "\n" + #"{"kind":"cell","group":null,"gold":"a","pred":"a","count":9007199254740991}"# + "\n" + #"{"kind":"no_gold","count":1}"# + "\n" + #"{"kind":"no_gold","count":1}"# + "\n")
        #expect(edge.status == 1)
        #expect(edge.err.contains("line 4: count 1 takes the merged total past 2^53"))
        #expect(edge.out.contains(#""support":9007199254740991"#))
    }
}
