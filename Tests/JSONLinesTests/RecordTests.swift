import Testing
@testable import JSONLines

@Suite struct RecordTests {
    @Test func splicesNewKeyKeepingBytes() throws {
        var r = try Record(#"{ "a" : 0.1, "b":[1,2,{"c":"x"}] }"#)
        #expect(r.isFastPath)
        r.set("model", .object([("label", "x"), ("p", 0.25)]))
        #expect(String(decoding: r.serialized(), as: UTF8.self) == #"{ "a" : 0.1, "b":[1,2,{"c":"x"}] ,"model":{"label":"x","p":0.25}}"#)
    }

    @Test func replacesExistingKeyInPlace() throws {
        var r = try Record(#"{"model":{"label":"old"},"z":1}"#)
        r.set("model", .object([("label", "new")]))
        #expect(String(decoding: r.serialized(), as: UTF8.self) == #"{"model":{"label":"new"},"z":1}"#)
    }

    @Test func emptyObjectGetsKeyWithoutComma() throws {
        var r = try Record("{}")
        r.set("k", 1)
        #expect(String(decoding: r.serialized(), as: UTF8.self) == #"{"k":1}"#)
    }

    @Test func dottedPathsAndEscapes() throws {
        let r = try Record(#"{"ocr":{"text":"a\nb \u00e9","n":3},"label":"x","label":"y"}"#)
        #expect(r.string(at: "ocr.text") == "a\nb é")
        #expect(r.value(at: "ocr.n") == .int(3))
        #expect(r.string(at: "label") == "y")
        #expect(r.value(at: "ocr.missing") == nil)
        #expect(r.value(at: "label.deeper") == nil)
    }

    /// `\u0000` is valid JSON: read into the string (by length, not as a C string) and written
    /// back escaped, so every stage reads what another wrote. A raw NUL byte is not JSON.
    @Test func escapedNulIsReadAndWrittenBack() throws {
        var r = try Record(#"{"label":"x\u0000y","text":"a"}"#)
        #expect(r.string(at: "label") == "x\u{0}y")
        r.set("model", .object([("label", .string("x\u{0}y"))]))
        #expect(String(decoding: r.serialized(), as: UTF8.self) == #"{"label":"x\u0000y","text":"a","model":{"label":"x\u0000y"}}"#)
        let raw = Array(#"{"label":"x"#.utf8) + [0] + Array(#"y"}"#.utf8)
        #expect(throws: RecordError.self) { try raw.withUnsafeBufferPointer { _ = try Record(line: $0, location: SourceLocation(file: nil, line: 1)).value(at: "label") } }
    }

    /// A class label is a string, or an integer read as its digits; null or absent is none;
    /// anything else is a bad record.
    @Test func labelsAreStringsOrIntegers() throws {
        #expect(try Record(#"{"label":"card_arrival"}"#).label(at: "label") == "card_arrival")
        #expect(try Record(#"{"label":3}"#).label(at: "label") == "3")
        #expect(try Record(#"{"label":-12}"#).label(at: "label") == "-12")
        #expect(try Record(#"{"m":{"label":0}}"#).label(at: "m.label") == "0")
        #expect(try Record(#"{"label":null}"#).label(at: "label") == nil)
        #expect(try Record(#"{"x":1}"#).label(at: "label") == nil)
        for bad in [#"{"label":7.5}"#, #"{"label":1e2}"#, #"{"label":true}"#, #"{"label":["a"]}"#, #"{"label":{"a":1}}"#] {
            #expect(throws: RecordError.self) { try Record(bad).label(at: "label") }
        }
    }

    @Test func duplicateOutputKeyFallsBackToJansson() throws {
        var r = try Record(#"{"k":1,"a":2,"k":3}"#)
        r.set("k", "v")
        #expect(String(decoding: r.serialized(), as: UTF8.self) == #"{"k":"v","a":2}"#)
    }

    @Test func surrogatesGoThroughJansson() throws {
        let r = try Record(#"{"t":"\ud83d\ude00"}"#)
        #expect(!r.isFastPath)
        #expect(r.string(at: "t") == "😀")
    }

    @Test func serializedValuesWriteAsTheirJSONWould() throws {
        let value = JSON.object([("label", "退款"), ("reward", 0.875), ("fired", [.object([("id", "r1")])])])
        var bytes: [UInt8] = []
        value.serialize(into: &bytes)
        // Fast path (new key, existing key, duplicated key) and the jansson path.
        for line in [#"{"a":1}"#, #"{"rules":0,"a":1}"#, #"{"rules":0,"rules":2}"#, #"{"t":"\ud83d\ude00"}"#, "{}"] {
            var viaJSON = try Record(line), viaBytes = try Record(line)
            viaJSON.set("rules", value)
            viaBytes.set("rules", serialized: bytes)
            #expect(viaBytes.serialized() == viaJSON.serialized(), "\(line)")
            #expect(viaBytes.value(at: "rules.label") == "退款")
            #expect(viaBytes.object() == viaJSON.object())
        }
    }

    /// `serialize(adding:)`, the splice for a writer that appends its value itself, gives the bytes
    /// of `set` + `serialize` and declines, appending nothing, what it cannot splice.
    @Test func serializeAddingEqualsSetThenSerialize() throws {
        let value = JSON.object([("label", "退款"), ("p", 0.5), ("top", [])])
        for line in [#"{"a":1}"#, #"{ "a" : [1,{"b":"}"}] }  "#, "{}", "{ }", #"{"a":"x\"y"}"#, "{\"k\":{}}\r"] {
            var out = Array("prefix ".utf8)
            let spliced = try Record(line).serialize(adding: "model", into: &out) { value.serialize(into: &$0) }
            #expect(spliced, "\(line)")
            var general = try Record(line)
            general.set("model", value)
            #expect(String(decoding: out, as: UTF8.self) == "prefix " + String(decoding: general.serialized(), as: UTF8.self), "\(line)")
        }
        var set = try Record(#"{"a":1}"#)
        set.set("b", 2)
        for record in [try Record(#"{"model":1}"#), try Record(#"{"t":"\ud83d\ude00"}"#), set] {
            var out: [UInt8] = [1]
            var called = false
            let spliced = record.serialize(adding: "model", into: &out) { _ in called = true }
            #expect(!spliced && out == [1] && !called)
        }
        // A value writer that throws leaves nothing behind.
        var out: [UInt8] = [1]
        #expect(throws: RecordError.self) {
            try Record(#"{"a":1}"#).serialize(adding: "model", into: &out) { $0.append(0x7B); throw RecordError("no") }
        }
        #expect(out == [1])
    }

    @Test func rejectsNonObjectsAndBadJSON() {
        #expect(throws: RecordError.self) { try Record("[1,2]") }
        #expect(throws: RecordError.self) { try Record(#"{"a":}"#) }
        #expect(throws: RecordError.self) { try Record("{\"a\":\"\u{1}\"}") }
    }

    @Test func realsPrintShortest() {
        #expect(JSON.double(0.1).serialized == "0.1")
        #expect(JSON.object([("s", "q\"\\\n")]).serialized == #"{"s":"q\"\\\n"}"#)
    }
}
