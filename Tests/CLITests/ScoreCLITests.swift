import Foundation
import Testing
import TestSupport

/// Tests of `kdsl-score` (built as .build/debug/kdsl-score, or in $KDSL_BIN) that need code: JSON
/// compared as numbers, a huge line, a closed pipe, the --help examples. Its exact outputs are CLI
/// cases, Tests/cases/score-*.
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

    @Test func headClosesThePipeQuietly() throws {
        // Enough classes for a table far larger than a pipe buffer, so writing hits EPIPE.
        let run = try runShell("""
            set -o pipefail
            seq 1 20000 | awk '{printf "{\\"label\\":\\"label-%05d\\",\\"prediction\\":{\\"label\\":\\"label-%05d\\"}}\\n", $1, $1}' > "$TMPDIR/kdsl-score-head.jsonl"
            kdsl-score "$TMPDIR/kdsl-score-head.jsonl" | head -1
            """, environment: ["TMPDIR": testScratchRoot.path])
        #expect(run.status == 0)
        #expect(run.err == "")
        #expect(run.out == "all records   precision  recall      f1  support\n")
    }

    @Test func helpShowsAbstractFieldsExitStatusesAndExamples() throws {
        let run = try runTool("kdsl-score", ["--help"], input: "")
        #expect(run.status == 0)
        for needle in ["OVERVIEW: Score predictions", "Fields read", "Exit status", "kdsl-score --merge-counts", "--group-field <path>"] {
            #expect(run.out.contains(needle), "\(needle)")
        }
    }
}
