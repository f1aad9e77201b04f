import Testing
@testable import JSONLines

/// The `error` key: what a stage writes reads back as itself; a user's own `error` field does not.
@Suite struct StageErrorValueTests {
    @Test func writtenErrorsReadBack() {
        let e = StageErrorValue(stage: "kdsl-merge", location: SourceLocation(file: "in.jsonl", line: 7), message: "bad", raw: Array("x".utf8))
        var bytes: [UInt8] = []
        e.json.serialize(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"stage":"kdsl-merge","file":"in.jsonl","line":7,"message":"bad","raw":"x"}"#)
        #expect(StageErrorValue(json: e.json) == e)
    }

    @Test func aUsersErrorFieldIsNotAStageError() {
        #expect(StageErrorValue(json: .string("the page showed an error")) == nil)
        #expect(StageErrorValue(json: .object([("stage", .string("checkout")), ("line", .int(1)), ("message", .string("x"))])) == nil)
        #expect(StageErrorValue(json: .object([("stage", .string("kdsl-ocr")), ("line", .int(1))])) == nil)
    }
}
