import Foundation
import Testing
import TestSupport

/// Tests of `kdsl-rules` (built at .build/debug or $KDSL_BIN) that need code: mining, files on disk,
/// generated records. Its exact outputs are CLI cases, Tests/cases/rules-*.
@Suite struct RulesCLITests {
    func tempFile(_ text: String, name: String = "rules.jsonl") throws -> URL {
        let dir = testScratchRoot.appendingPathComponent("kdsl-rules-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Small labelled set: three intents with cue words, plus noise and unlabelled records.
    func labelled() -> String {
        var lines: [String] = []
        let cues = [("退款", "我要退款"), ("尺码", "尺码多大"), ("颜色", "什么颜色")]
        let noise = ["你好", "请问", "谢谢", "在吗"]
        for i in 0..<45 {
            let (label, cue) = cues[i % 3]
            let text = noise[i % 4] + (i % 7 == 0 ? "" : cue) + noise[(i / 4) % 4]
            lines.append(#"{"id":\#(i),"task":"intent","dialogue":"用户: \#(text)\n客服: 好的","label":"\#(label)"}"#)
        }
        lines.append(#"{"id":"u1","task":"intent","dialogue":"用户: 我要退款"}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func mineIsDeterministicReportsUnlabelledAndWritesAtomically() throws {
        let data = labelled()
        let a = try runTool("kdsl-rules", ["mine", "--seed", "4", "--iterations", "150"], input: data)
        let b = try runTool("kdsl-rules", ["mine", "--seed", "4", "--iterations", "150"], input: data)
        #expect(a.status == 0, "\(a.err)")
        #expect(a.out == b.out)
        #expect(a.err.contains("line 46: warning: no \"label\": record left out"))
        #expect(a.err.contains("[1/3] intent/尺码"))
        #expect(!a.lines.isEmpty)
        #expect(a.out.contains("\"contains\":\"退款\"") || a.out.contains("\"contains\":\"我要退款\"") || a.out.contains("\"contains\":\"退\""))
        let dir = try tempFile("old", name: "rules.jsonl")
        let c = try runTool("kdsl-rules", ["mine", "--seed", "4", "--iterations", "150", "--quiet", "--out", dir.path], input: data)
        #expect(c.status == 0 && c.out.isEmpty)
        #expect(try String(contentsOf: dir, encoding: .utf8) == a.out)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path)
        #expect(left == ["rules.jsonl"])
        // The mined file checks and applies.
        #expect(try runTool("kdsl-rules", ["check", dir.path]).status == 0)
        let applied = try runTool("kdsl-rules", ["apply", "--rules", dir.path], input: "{\"task\":\"intent\",\"dialogue\":\"用户: 我要退款\"}\n")
        #expect(applied.out.contains("\"label\":\"退款\""))
    }

    /// `--out` replaces the file a symbolic link names (the link stays) and writes into a target
    /// that cannot be replaced (a FIFO here; /dev/stdout alike) instead of renaming over it.
    @Test func outFollowsLinksAndWritesIntoFIFOs() throws {
        let data = labelled()
        let expected = try runTool("kdsl-rules", ["mine", "--seed", "4", "--iterations", "150", "--quiet"], input: data).out
        let dir = try tempFile("old", name: "real.jsonl").deletingLastPathComponent()
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.jsonl").path, withDestinationPath: "real.jsonl")
        let viaLink = try runTool("kdsl-rules", ["mine", "--seed", "4", "--iterations", "150", "--quiet", "--out", dir.appendingPathComponent("link.jsonl").path], input: data)
        #expect(viaLink.status == 0, "\(viaLink.err)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("link.jsonl").path) == "real.jsonl")
        #expect(try String(contentsOf: dir.appendingPathComponent("real.jsonl"), encoding: .utf8) == expected)
        try Data(data.utf8).write(to: dir.appendingPathComponent("in.jsonl"))
        let run = try runShell("""
            d='\(dir.path)'; rm -f "$d/fifo"; mkfifo "$d/fifo"; timeout 20 cat "$d/fifo" > "$d/got" &
            kdsl-rules mine --seed 4 --iterations 150 --quiet --out "$d/fifo" < "$d/in.jsonl"; s=$?; wait
            [ -p "$d/fifo" ] && echo "still a fifo, status $s"
            """)
        #expect(run.out == "still a fifo, status 0\n", "\(run.err)")
        #expect(try String(contentsOf: dir.appendingPathComponent("got"), encoding: .utf8) == expected)
    }

    @Test func errorDrivenMiningTargetsTheModelsErrors() throws {
        // The model is wrong on every 退款 record (says 颜色) and right on the others: only rules
        // that correct it may come out, scored by corrections against broken predictions.
        let data = labelled().split(separator: "\n").map { line -> String in
            guard line.contains("\"label\"") else { return String(line) }
            let wrong = line.contains("\"label\":\"退款\"")
            let gold = wrong ? "颜色" : (line.contains("\"label\":\"尺码\"") ? "尺码" : "颜色")
            return String(line.dropLast()) + #","model":{"label":"\#(gold)"}}"#
        }.joined(separator: "\n") + "\n" + #"{"task":"intent","dialogue":"用户: 你好","label":"颜色"}"# + "\n"
        let run = try runTool("kdsl-rules", ["mine", "--against", "model.label", "--iterations", "150", "--quiet"], input: data)
        #expect(run.status == 0, "\(run.err)")
        #expect(!run.lines.isEmpty)
        for line in run.lines {
            #expect(line.contains("\"label\":\"退款\""))
            #expect(line.contains("\"broken\":0"))
            #expect(line.contains("\"source\":\"mine --against model.label\""))
        }
        #expect(run.err.contains("no string at \"model.label\": record left out"))
    }

    /// Screenshots told apart only by their title line (the body text is the same): rules mined on
    /// the `title` view find it, `show` prints it, and `apply` fires on it.
    @Test func minesAndAppliesRulesOnTheTitleView() throws {
        func screen(_ id: Int, _ title: String, _ label: String) -> String {
            #"{"id":\#(id),"task":"scene","label":"\#(label)","ocr":{"text":"09:51\n\#(title)\n订单 商品 \#(id % 5)","images":[{"path":"x.jpg","width":100,"height":1000,"lines":[{"text":"09:51","box":[5,10,30,30],"confidence":99},{"text":"\#(title)","box":[20,60,80,90],"confidence":99},{"text":"订单 商品 退款详情","box":[10,400,90,440],"confidence":99}]}]}}"#
        }
        let data = (0..<24).map { screen($0, $0 % 2 == 0 ? "退款详情" : "订单详情", $0 % 2 == 0 ? "退款页面" : "订单详情页面") }.joined(separator: "\n") + "\n"
        // The body holds 退款详情 too: on the ocr view alone it would not tell the pages apart.
        let dir = testScratchRoot.appendingPathComponent("kdsl-rules-title-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rules = dir.appendingPathComponent("rules.jsonl").path
        let mine = try runTool("kdsl-rules", ["mine", "--views", "title", "--iterations", "100", "--quiet", "--out", rules], input: data)
        #expect(mine.status == 0, "\(mine.err)")
        let show = try runTool("kdsl-rules", ["show", rules])
        #expect(show.lines.contains { $0.contains(#"IF title contains "退款"#) && $0.hasSuffix("THEN label = 退款页面") }, "\(show.out)")
        let apply = try runTool("kdsl-rules", ["apply", "--rules", rules], input: screen(99, "退款详情", "?") + "\n")
        #expect(apply.lines.count == 1 && apply.lines[0].contains(#""rules":{"label":"退款页面""#), "\(apply.out)")
    }

    /// Records whose label or task is empty, or whose task is not a string, are bad records
    /// (reported with their line, left out): a rule mined from them would fail `check`.
    @Test func mineLeavesOutEmptyLabelsAndTasks() throws {
        let bad = """
        {"task":"intent","label":"","dialogue":"用户: 我要退款"}
        {"task":"","label":"退款","dialogue":"用户: 我要退款"}
        {"task":5,"label":"退款","dialogue":"用户: 我要退款"}

        """
        let run = try runTool("kdsl-rules", ["mine", "--seed", "4", "--iterations", "150", "--quiet"], input: bad + labelled())
        #expect(run.status == 1)
        #expect(run.err.contains("kdsl-rules: line 1: \"label\" is empty"))
        #expect(run.err.contains("kdsl-rules: line 2: \"task\" is empty"))
        #expect(run.err.contains("kdsl-rules: line 3: task is a number, expected a string"))
        let dir = try tempFile(run.out)
        #expect(try runTool("kdsl-rules", ["check", dir.path]).status == 0)
    }

    @Test func applyHelpNamesTheExitStatuses() throws {
        let help = try runTool("kdsl-rules", ["apply", "--help"])
        #expect(help.status == 0 && help.out.contains("Exit status"))
    }
}
