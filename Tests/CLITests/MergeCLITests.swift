import Foundation
import Testing
import TestSupport

@Suite struct MergeCLITests {
    @Test func badRecordsAreForwardedWithTheirLine() throws {
        let run = try runTool("kdsl-merge", [], input: "{\"rules\":\"oops\"}\nnot json\n{\"model\":{\"label\":\"a\"}}\n")
        #expect(run.status == 1)
        #expect(run.lines.count == 3)
        #expect(run.lines[0].contains(#""error":{"stage":"kdsl-merge","line":1,"message":"'rules' is a string, expected an object"}"#))
        #expect(run.lines[1].contains(#""raw":"not json""#))
        #expect(run.err.contains("kdsl-merge: line 1: 'rules' is a string"))
        #expect(run.err.contains("kdsl-merge: line 2: invalid JSON"))
    }

    /// A raw NUL byte is never JSON: after the value, before the brace or inside a string, the
    /// line is a bad record forwarded with its raw text (jansson alone would cut the text there).
    @Test func aNulByteMakesTheLineBad() throws {
        let run = try runTool("kdsl-merge", [], stdin: Data("{\"a\":1\u{0}}\n{\"b\":2}\u{0}\n{\"a\":\"x\u{0}y\"}\n{\"ok\":1,\"model\":{\"label\":\"a\"}}\n".utf8))
        #expect(run.status == 1)
        #expect(run.lines.count == 4)
        #expect(run.lines[0].contains(#""message":"invalid JSON at column 7: a NUL byte"#))
        #expect(run.lines[0].contains(#""raw":"{\"a\":1\u0000}""#))
        #expect(run.lines[1].contains("column 8: a NUL byte") && run.lines[2].contains("column 8: a NUL byte"))
        #expect(run.lines[3].hasPrefix(#"{"ok":1,"model":{"label":"a"},"prediction""#))
    }

    @Test func usageErrorsExitTwo() throws {
        let run = try runTool("kdsl-merge", ["--policy", "maybe"], input: "")
        #expect(run.status == 2)
        #expect(run.err.contains("unknown policy 'maybe'"))
        #expect(try runTool("kdsl-merge", ["--no-such-flag"], input: "").status == 2)
    }

    @Test func helpExamplePipeRuns() throws {
        let run = try runShell(#"printf '{"model":{"label":"x","p":0.5}}\n' | kdsl-merge | head -1"#)
        #expect(run.status == 0)
        #expect(run.out.contains(#""prediction":{"label":"x","source":"model"}"#))
    }
}

@Suite struct MergeChooseCLITests {
    static let oof = String(repeating: #"{"task":"t","label":"b","model":{"label":"a","p":0.9},"rules":{"label":"b","id":"r1","reward":0.99}}"# + "\n", count: 5) + """
    {"task":"v","label":"a","model":{"label":"a","p":0.6},"rules":{"label":"b","id":"r3","reward":0.85}}
    {"task":"v","label":"b","model":{"label":"a","p":0.6},"rules":{"label":"b","id":"r3","reward":0.85}}
    {"task":"v","model":{"label":"a","p":0.6}}

    """

    @Test func choosePrintsThePolicyLineAndSaysWhy() throws {
        let run = try runTool("kdsl-merge", ["--choose"], input: Self.oof)
        #expect(run.status == 0)
        #expect(run.out == "t=override,v=model,model\n")
        #expect(run.err.contains("kdsl-merge: t: override on 5 records: 5 corrected, 0 broken"))
        #expect(run.err.contains("kdsl-merge: v: model on 2 records: 0 corrected, 0 broken (override: 1 corrected, 1 broken)"))
        #expect(run.err.contains("1 record(s) without a gold label left out"))
    }

    @Test func thePrintedLineMergesPerTask() throws {
        let run = try runShell(#"printf '%s\n' '{"task":"t","model":{"label":"a"},"rules":{"label":"b","id":"r1"}}' '{"task":"v","model":{"label":"a"},"rules":{"label":"b","id":"r3"}}' | kdsl-merge --policy t=override,v=model"#)
        #expect(run.status == 0)
        #expect(run.lines.count == 2)
        #expect(run.lines[0].hasSuffix(#""prediction":{"label":"b","source":"rule","rule":"r1"}}"#))
        #expect(run.lines[1].hasSuffix(#""prediction":{"label":"a","source":"model"}}"#))
    }

    @Test func chooseWithoutGoldLabelsIsASetupError() throws {
        let run = try runTool("kdsl-merge", ["--choose"], input: #"{"task":"t","model":{"label":"a"}}"# + "\n")
        #expect(run.status == 2)
        #expect(run.err.contains("--choose: no record has a gold label at 'label' (1 without one)"))
        let bad = try runTool("kdsl-merge", ["--policy", "scene=guarded:9:1"], input: "")
        #expect(bad.status == 2)
        #expect(bad.err.contains("--policy: 'guarded:9:1'"))
    }
}
