import Foundation
import Testing
@testable import JSONLines
import TestSupport

/// `BadLine`: the one place a bad line is forwarded from, and the consuming loop that hands the
/// forwarded lines over in input order (`readAll(_:forward:_:)`, kdsl-model cv's loop).
@Suite struct BadLineTests {
    init() { Diagnostics.shared.stage = "kdsl-test" }

    private func forwarded(_ bad: BadLine) -> String {
        var out: [UInt8] = []
        bad.appendForwarded(stage: "kdsl-test", into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func aLineThatIsNotARecordIsForwardedAsItsText() {
        let line = MalformedLine(bytes: Array(#"{"id": 1, "cut"#.utf8), location: SourceLocation(file: "in.jsonl", line: 3), message: "cut short")
        #expect(forwarded(.malformed(line))
            == #"{"error":{"stage":"kdsl-test","file":"in.jsonl","line":3,"message":"cut short","raw":"{\"id\": 1, \"cut"}}"#)
        #expect(BadLine.malformed(line).location.line == 3 && BadLine.malformed(line).message == "cut short")
    }

    @Test func aFailedRecordGetsErrorUnlessItHasOne() throws {
        var record = try Record(#"{"id":1}"#, location: SourceLocation(file: nil, line: 7))
        record.set("half", true)  // what the stage set before it failed stays
        #expect(forwarded(.failed(record, message: "wrong"))
            == #"{"id":1,"half":true,"error":{"stage":"kdsl-test","line":7,"message":"wrong"}}"#)
        // The first failure is the one to fix: an upstream stage's error is kept as it is.
        let upstream = try Record(#"{"id":2,"error":{"stage":"kdsl-ocr","line":1,"message":"first"}}"#)
        #expect(forwarded(.failed(upstream, message: "second")) == #"{"id":2,"error":{"stage":"kdsl-ocr","line":1,"message":"first"}}"#)
        #expect(StageErrorValue.key == "error")
    }

    private func temporaryFile(_ lines: [String]) throws -> String {
        let path = testScratchRoot.appendingPathComponent("kdsl-badline-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Every line comes back in input order: the records `body` keeps, and the others forwarded
    /// as a filter stage forwards them; `--strict` stops after forwarding the first.
    @Test func readAllForwardsInInputOrder() throws {
        let path = try temporaryFile([#"{"id":1}"#, "[2]", "", #"{"id":3,"drop":true}"#, #"{"id":4}"#])
        defer { unlink(path) }
        for strict in [false, true] {
            var seen: [String] = []
            let run = {
                try readAll(StreamOptions(strict: strict, inputs: [path]), forward: { seen.append("forwarded " + String(decoding: $0, as: UTF8.self)) }) { record in
                    if record.has("drop") { throw RecordError("dropped") }
                    seen.append("kept \(record.location.line)")
                }
            }
            let raw = #"{"error":{"stage":"kdsl-test","file":"\#(path)","line":2,"message":"expected a JSON object, got an array","raw":"[2]"}}"#
            if strict {
                #expect(throws: StageStop.self) { try run() }
                #expect(seen == ["kept 1", "forwarded " + raw])
            } else {
                try run()
                #expect(seen == ["kept 1", "forwarded " + raw,
                                 #"forwarded {"id":3,"drop":true,"error":{"stage":"kdsl-test","file":"\#(path)","line":4,"message":"dropped"}}"#,
                                 "kept 5"])
            }
        }
    }
}
