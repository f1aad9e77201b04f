import Foundation
import JSONLines
import Testing
import TestSupport

/// The stream contract every stage inherits from JSONLines, checked end to end on kdsl-stream-bench:
/// the parts that need code (timing, closed pipes, large or generated input, real records). Its
/// exact outputs are CLI cases, Tests/cases/stream-*.
@Suite struct StreamCLITests {
    let tool = "kdsl-stream-bench"

    func lines(_ run: ToolRun) -> [String] { run.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    func temporaryDirectory() throws -> URL {
        let dir = testScratchRoot.appendingPathComponent("kdsl-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// With several jobs, a batch that fills up just before the producer pauses (one record for
    /// OCR, 256 lines for apply) is written and flushed at once, not held until the next line or
    /// the end of the input.
    @Test func aFullBatchIsNotHeldBackWhileTheProducerPauses() throws {
        let dir = try temporaryDirectory()
        let rules = dir.appendingPathComponent("rules.jsonl").path
        try #"{"id":"r1","label":"a","when":[{"field":"user","contains":"x"}]}"#.write(toFile: rules, atomically: false, encoding: .utf8)
        // The lines arrive in one write, so the batch fills before the reader ever waits. The
        // reader's end is cut with SIGKILL: a test process may hand its children a blocked SIGTERM.
        let input = dir.appendingPathComponent("in.jsonl").path
        try String(repeating: #"{"text":"x"}"# + "\n", count: 256).write(toFile: input, atomically: false, encoding: .utf8)
        let one = dir.appendingPathComponent("one.jsonl").path
        try (#"{"id":1}"# + "\n").write(toFile: one, atomically: false, encoding: .utf8)
        let apply = try runShell("""
            (cat \(input); sleep 8) | kdsl-rules apply --jobs 2 --rules \(rules) 2>/dev/null | (timeout -s KILL 4 cat | wc -l)
            """)
        #expect(apply.out.trimmingCharacters(in: .whitespacesAndNewlines) == "256", "\(apply.out)")
        let ocr = try runShell("""
            (cat \(one); sleep 12) | kdsl-ocr --jobs 2 2>/dev/null | (timeout -s KILL 8 cat | wc -l)
            """)
        #expect(ocr.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(ocr.out)")
    }

    @Test func recordsInEqualRecordsOutInOrder() throws {
        let input = (0..<2000).map { #"{"id":"r\#($0)", "n" : \#($0).50, "t":"x\u00e9\n"}"# }
        let run = try runTool(tool, input: input.joined(separator: "\n") + "\n")
        #expect(run.status == 0)
        #expect(run.err.isEmpty)
        // Byte for byte: the original line, then the new key before the closing brace.
        #expect(lines(run) == input.map { String($0.dropLast()) + #","seen":true}"# })
    }

    @Test func thirtyMegabyteLine() throws {
        let big = String(repeating: "长", count: 10 << 20)  // 30 MB of UTF-8
        let line = "{\"big\":\"\(big)\",\"k\":1}"
        let run = try runTool(tool, ["--read", "big"], input: line + "\n{\"z\":0}\n")
        #expect(run.status == 0)
        #expect(run.stdout.count == line.utf8.count + 13 + 20)
        #expect(run.out.hasSuffix(",\"k\":1,\"seen\":true}\n{\"z\":0,\"seen\":true}\n"))
    }

    @Test func closedDownstreamPipeEndsQuietly() throws {
        // The test process ignores SIGPIPE and children inherit that, so upstream `yes`/`head`
        // would complain about EPIPE themselves: only the stage's own stderr is checked.
        for mode in ["splice", "jansson"] {
            let run = try runShell("yes '{\"a\":1}' 2>/dev/null | head -200000 2>/dev/null | kdsl-stream-bench --mode \(mode) | head -1; echo \"status=${PIPESTATUS[2]}\"")
            #expect(run.out == "{\"a\":1,\"seen\":true}\nstatus=0\n", "\(mode)")
            #expect(run.err.isEmpty, "\(mode)")
        }
    }

    /// A record that has arrived is written before the stage waits for the next one, even when
    /// stdout is a pipe or file (block-buffered): on the one-job loop and on the batched one.
    @Test(arguments: ["kdsl-merge", "kdsl-rules apply --rules \"$d/r.jsonl\"", "kdsl-rules apply --rules \"$d/r.jsonl\" --jobs 2"])
    func recordsAreNotHeldBackForASlowProducer(command: String) throws {
        let run = try runShell("""
            d=$(mktemp -d); : > "$d/r.jsonl"
            (printf '{"a":1}\\n'; sleep 5; printf '{"a":2}\\n') | \(command) > "$d/out" 2>/dev/null &
            first=0
            for i in $(seq 45); do sleep 0.1; if [ -s "$d/out" ]; then first=$(wc -l < "$d/out"); break; fi; done
            wait; echo "$first $(wc -l < "$d/out")"; rm -r "$d"
            """)
        #expect(run.out == "1 2\n", "\(command): \(run.err)")
    }

    @Test func failedWriteExitsTwo() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let run = try runShell("printf '{\"a\":1}\\n' | kdsl-stream-bench > /dev/full; echo \"status=${PIPESTATUS[1]}\"")
        #expect(run.out == "status=2\n")
        #expect(run.err.hasPrefix("kdsl-stream-bench: writing output failed"))
    }

    @Test func modesAgreeOnRealRecords() throws {
        // The WWW2025 challenge records (../shared/data/www2025/train.json as examples/www2025
        // converts it): Chinese dialogues, labels, image paths.
        let data = try www2025Records()
        let records = jsonLines(data).count
        #expect(records > 700, "only \(records) WWW2025 records")
        let splice = try runTool(tool, ["--read", "label"], stdin: data)
        let jansson = try runTool(tool, ["--mode", "jansson", "--read", "label"], stdin: data)
        #expect(splice.status == 0 && jansson.status == 0)
        let a = lines(splice), b = lines(jansson)
        #expect(a.count == records && b.count == records)
        for (x, y) in zip(a, b) { #expect(try JSON.parse(x) == JSON.parse(y)) }
    }

    @Test func helpDocumentsTheContractAndItsExampleRuns() throws {
        let help = try runTool(tool, ["--help"], input: "")
        #expect(help.status == 0)
        for needle in ["Self-test and benchmark", "Fields written", "Exit status", "--mode", "--read", "--strict", "Example:"] {
            #expect(help.out.contains(needle), "--help lacks \(needle)")
        }
        // The example pipe from --help, on a small file.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try (1...5).map { "{\"id\":\($0),\"label\":\"L\($0)\"}" }.joined(separator: "\n")
            .write(to: dir.appendingPathComponent("train.jsonl"), atomically: false, encoding: .utf8)
        let example = try #require(help.out.split(separator: "\n").first { $0.contains("kdsl-stream-bench train.jsonl") })
        let run = try runShell("cd '\(dir.path)' && " + example.trimmingCharacters(in: .whitespaces))
        #expect(run.status == 0)
        #expect(run.out == (1...3).map { "{\"id\":\($0),\"label\":\"L\($0)\",\"checked\":true}\n" }.joined())
    }
}
