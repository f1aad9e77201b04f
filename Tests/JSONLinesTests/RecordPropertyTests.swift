import CJansson
import Foundation
import Testing
import TestSupport
import Basics
@testable import JSONLines

/// `Record` (the scanner's fast path and its jansson fallback) checked against jansson itself on
/// generated lines and on mutated real records:
/// (a) a line becomes a Record iff jansson accepts it as an object;
/// (b) `value(at:)` of every top-level key and of nested paths equals jansson's value;
/// (c) after `set`, the serialized bytes parse to exactly what jansson's own
///     `json_object_set` gives (object members compared in order).
@Suite struct RecordPropertyTests {
    /// Counts what a batch of checks exercised, so a test can insist both paths were covered.
    struct Tally {
        var accepted = 0, rejected = 0, fast = 0, sets = 0
        /// The record `runFilter` reloads for every line, reused across every line of a test.
        var reused = Record()
        var summary: String { "accepted \(accepted) (fast path \(fast)), rejected \(rejected), sets checked \(sets)" }
    }

    /// Runs checks (a), (b), (c) on one line; returns a description of the first disagreement.
    static func check(_ line: [UInt8], rng: inout SeededRNG, gen: inout RecordGenerator, tally: inout Tally) -> String? {
        let oracle = Jansson.load(line)
        defer { if let oracle { json_decref(oracle) } }
        let janssonAccepts = oracle.map(Jansson.isObject) ?? false
        let record = try? line.withUnsafeBufferPointer { try Record(line: $0, location: SourceLocation(file: nil, line: 1)) }
        // (a) same verdict
        guard (record != nil) == janssonAccepts else {
            return "verdict: Record \(record != nil ? "accepts" : "rejects"), jansson \(janssonAccepts ? "accepts" : "rejects")"
        }
        guard let record, let root = oracle else {
            tally.rejected += 1
            let reloaded: Void? = try? line.withUnsafeBufferPointer { try tally.reused.reload(line: $0, location: SourceLocation(file: nil, line: 1)) }
            return reloaded == nil ? nil : "reloaded record accepted"
        }
        tally.accepted += 1
        if record.isFastPath { tally.fast += 1 }
        // (b) every top-level key, one level of nested keys, and absent keys
        let keys = Jansson.keys(root)
        for key in keys {
            let member = Jansson.get(root, key)!
            guard let mine = record.value(at: FieldPath(keys: [key])), Jansson.same(mine, member) else {
                return "value(at: \(key)) = \(String(describing: record.value(at: FieldPath(keys: [key])))) differs from jansson"
            }
            if Jansson.isObject(member) {
                for inner in Jansson.keys(member) + ["absent"] {
                    let theirs = Jansson.get(member, inner)
                    let path = FieldPath(keys: [key, inner])
                    switch (record.value(at: path), theirs) {
                    case (nil, nil): break
                    case (let m?, let t?) where Jansson.same(m, t): break
                    default: return "value(at: \(path)) differs from jansson"
                    }
                    // A third level, where there is one.
                    if let t = theirs, Jansson.isObject(t) {
                        for third in Jansson.keys(t) + ["absent"] {
                            let deep = FieldPath(keys: [key, inner, third])
                            switch (record.value(at: deep), Jansson.get(t, third)) {
                            case (nil, nil): break
                            case (let m?, let u?) where Jansson.same(m, u): break
                            default: return "value(at: \(deep)) differs from jansson"
                            }
                        }
                    }
                }
            } else if record.value(at: FieldPath(keys: [key, "x"])) != nil {
                return "value(at: \(key).x) found inside a non-object"
            }
        }
        if !keys.contains("absent"), record.value(at: "absent") != nil { return "value(at: absent) is not nil" }
        // (c) set a top-level key (existing, duplicated or new) or a nested one, then compare
        var edited = record
        let oracleEdited = json_deep_copy(root)!
        defer { json_decref(oracleEdited) }
        let value = gen.setValue()
        let roll = Int(rng.next() % 4)
        var path: [String]
        switch roll {
        case 0 where !keys.isEmpty: path = [keys[Int(rng.next() % UInt64(keys.count))]]
        case 1: path = ["seen"]
        case 2 where !keys.isEmpty: path = [keys[Int(rng.next() % UInt64(keys.count))], "k"]
        default: path = [["label", "a", "new", "id"][Int(rng.next() % 4)]]
        }
        edited.set(FieldPath(keys: path), value)
        if path.count == 1 {
            Jansson.setMember(oracleEdited, path[0], Jansson.make(value))
        } else if let inner = Jansson.get(oracleEdited, path[0]), Jansson.isObject(inner) {
            Jansson.setMember(inner, path[1], Jansson.make(value))
        } else {
            let inner = json_object()!
            Jansson.setMember(inner, path[1], Jansson.make(value))
            Jansson.setMember(oracleEdited, path[0], inner)
        }
        let bytes = edited.serialized()
        // The stream's reloaded record is the same record.
        do {
            try line.withUnsafeBufferPointer { try tally.reused.reload(line: $0, location: SourceLocation(file: nil, line: 1)) }
            tally.reused.set(FieldPath(keys: path), value)
            guard tally.reused.isFastPath == record.isFastPath, tally.reused.serialized() == bytes, tally.reused.bytes == line else { return "reloaded record differs" }
        } catch {
            return "reloaded record rejected: \(error)"
        }
        guard let reparsed = Jansson.load(bytes) else {
            return "set(\(FieldPath(keys: path))) wrote invalid JSON: \(String(decoding: bytes, as: UTF8.self))"
        }
        defer { json_decref(reparsed) }
        guard Jansson.equalOrdered(reparsed, oracleEdited) else {
            return "set(\(FieldPath(keys: path)), \(value.serialized)) gave \(String(decoding: bytes, as: UTF8.self))"
        }
        // The value just set reads back.
        guard let back = edited.value(at: FieldPath(keys: path)), back == value || (value.serialized == back.serialized) else {
            return "value(at:) after set(\(FieldPath(keys: path))) does not read back"
        }
        // Splicing a new key leaves the original bytes before the closing brace untouched.
        if record.isFastPath, path == ["seen"], !keys.contains("seen"), let close = line.lastIndex(of: UInt8(ascii: "}")) {
            guard bytes.starts(with: line[..<close]) else { return "splice changed the original bytes" }
        }
        tally.sets += 1
        return nil
    }

    static func show(_ line: [UInt8]) -> String {
        let text = String(decoding: line, as: UTF8.self)
        return text.count > 400 ? String(text.prefix(400)) + "..." : text
    }

    @Test func generatedLinesAgreeWithJansson() {
        var gen = RecordGenerator(seed: 20250301)
        var rng = SeededRNG(seed: 7)
        var tally = Tally()
        var failures: [String] = []
        for _ in 0..<30_000 {
            let line = gen.line()
            if let problem = RecordPropertyTests.check(line, rng: &rng, gen: &gen, tally: &tally) {
                failures.append("\(problem)\n  line: \(RecordPropertyTests.show(line))\n  bytes: \(line.prefix(200).map { String($0, radix: 16) })")
                if failures.count >= 5 { break }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        print("generated lines: \(tally.summary)")
        // Both outcomes and both paths must be exercised, or the property says little.
        #expect(tally.accepted > 10_000)
        #expect(tally.rejected > 2_000)
        #expect(tally.fast > 8_000)
        #expect(tally.accepted - tally.fast > 1_000)
    }

    /// Hand-picked edge cases, each checked the same way.
    @Test func edgeCasesAgreeWithJansson() {
        let lines = [
            #"{"a":"\u0000"}"#, #"{"\u0000":1}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00\ud800"}"#, #"{"a":"\ud83d\ude00"}"#,
            #"{"a":"\uD83D\uDE00x"}"#, #"{"a":9223372036854775807}"#, #"{"a":9223372036854775808}"#,
            #"{"a":-9223372036854775808}"#, #"{"a":-9223372036854775809}"#, #"{"a":1e309}"#, #"{"a":1e-400}"#,
            #"{"a":-0}"#, #"{"a":-}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.1}"#, #"{"a":1e}"#, #"{"a":[1,]}"#,
            #"{"a":1,}"#, #"{,}"#, #"{}"#, #" { } "#, "{}\u{0}", "\u{FEFF}{}", #"{"a":1}{"b":2}"#, #"{"a" 1}"#,
            #"{"l\u0061bel":1,"label":2}"#, #"{"label":1,"l\u0061bel":2,"x":3}"#, #"{"a":1,"a":2,"a":3}"#,
            #"{"a":{"b":1,"b":2}}"#, #"{"a":"\/\b\f\n\r\t\"\\"}"#, #"{"a":"\u00e9\u4E2D\uFFFF"}"#, "{\"a\":\"\t\"}",
            "{\"a\":\"\u{7F}\"}", "{\r\n\t\"a\"\r\n:\r\n1\r\n}", #"{"a":true,"b":false,"c":null}"#, #"{"a":tru}"#,
            #"{"a":"x"  ,  "b"  :  [  ]  }"#, #"[{}]"#, #""s""#, "1", "null", "", " ", #"{"a":[[[[[[[[[[1]]]]]]]]]]}"#,
            #"{"a":0.30000000000000004,"b":1E+2,"c":-1.5e-3}"#, #"{"😀":"😀","é":"é"}"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            "{\"a\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}",
            "{\"a\":" + String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000) + "}",
        ]
        var gen = RecordGenerator(seed: 1)
        var rng = SeededRNG(seed: 2)
        var tally = Tally()
        for text in lines {
            var bytes = Array(text.utf8)
            let problem = RecordPropertyTests.check(bytes, rng: &rng, gen: &gen, tally: &tally)
            #expect(problem == nil, "\(problem ?? ""): \(text.prefix(120))")
            // Invalid UTF-8 bytes spliced into an otherwise valid line.
            for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xFE], [0xE2, 0x82]] where text.hasPrefix(#"{"a":""#) {
                bytes = Array(#"{"a":""#.utf8) + bad + Array(#""}"#.utf8)
                #expect(RecordPropertyTests.check(bytes, rng: &rng, gen: &gen, tally: &tally) == nil)
            }
        }
        #expect(tally.accepted > 20)
    }

    /// The scanner skips plain ASCII 8 bytes at a time: every special byte at every offset of a
    /// word (and across word ends) must still be seen.
    @Test func specialBytesAtEveryOffsetAgreeWithJansson() {
        var gen = RecordGenerator(seed: 4)
        var rng = SeededRNG(seed: 5)
        var tally = Tally()
        let specials: [[UInt8]] = [[0x22], [0x5C], [0x5C, 0x6E], [0x5C, 0x22], [0x1F], [0x00], [0x0A], [0x7F], [0x80],
                                   [0xC3, 0xA9], [0xE4, 0xB8, 0xAD], [0xF0, 0x9F, 0x98, 0x80], [0xFF], [0xED, 0xA0, 0x80], [0xE4, 0xB8]]
        for offset in 0..<20 {
            for special in specials {
                for tail in [0, 1, 7, 8, 9] {
                    let body = [UInt8](repeating: 0x61, count: offset) + special + [UInt8](repeating: 0x62, count: tail)
                    let line = Array(#"{"k":""#.utf8) + body + Array(#"","z":1}"#.utf8)
                    let problem = RecordPropertyTests.check(line, rng: &rng, gen: &gen, tally: &tally)
                    #expect(problem == nil, "\(problem ?? ""): offset \(offset), \(special)")
                }
            }
        }
        #expect(tally.fast > 500 && tally.rejected > 500)
    }

    /// Real records, each mutated by dropping, flipping or inserting bytes: the scanner's
    /// accept/reject boundary and its values must match jansson's on every variant.
    @Test func mutatedRealRecordsAgreeWithJansson() throws {
        // The WWW2025 challenge records (Chinese dialogues, image paths) and the English few-shot
        // intent sets, all from ../shared/data beside the repository.
        var lines = try jsonLines(www2025Records())
        let www2025 = lines.count
        for set in ["banking77", "hwu64"] { lines += try jsonLines(sharedDataContents("intent/\(set)/train_5.jsonl")) }
        print("mutated real records: \(www2025) WWW2025 records, \(lines.count - www2025) intent records")
        #expect(www2025 > 700 && lines.count - www2025 > 600, "too few real records: \(www2025) WWW2025, \(lines.count - www2025) intent")
        var rng = SeededRNG(seed: 99)
        var gen = RecordGenerator(seed: 3)
        var tally = Tally()
        var failures: [String] = []
        let interesting: [UInt8] = Array("\"\\{}[],:.-+eE0123456789 tfnu".utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xE4, 0xED, 0xF0, 0xFF]
        for (n, original) in lines.enumerated() where n % 2 == 0 || lines.count < 3000 {
            for _ in 0..<6 {
                var line = original
                for _ in 0..<(1 + Int(rng.next() % 2)) where !line.isEmpty {
                    let at = Int(rng.next() % UInt64(line.count))
                    switch rng.next() % 3 {
                    case 0: line.remove(at: at)
                    case 1: line[at] ^= UInt8(1 << (rng.next() % 8))
                    default: line.insert(interesting[Int(rng.next() % UInt64(interesting.count))], at: at)
                    }
                }
                if let problem = RecordPropertyTests.check(line, rng: &rng, gen: &gen, tally: &tally) {
                    failures.append("\(problem)\n  line: \(RecordPropertyTests.show(line))")
                }
            }
            if failures.count >= 5 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        print("mutated real records: \(tally.summary)")
        let variants = tally.accepted + tally.rejected
        #expect(failures.count > 0 || (tally.accepted > variants / 5 && tally.rejected > variants / 5 && tally.fast > variants / 5))
    }

    /// Unmutated real records all take the fast path and round-trip byte for byte.
    @Test func realRecordsPassThroughByteForByte() throws {
        let lines = try jsonLines(www2025Records())
        #expect(lines.count > 700, "only \(lines.count) WWW2025 records")
        for line in lines {
            let record = try line.withUnsafeBufferPointer { try Record(line: $0, location: SourceLocation(file: nil, line: 1)) }
            #expect(record.isFastPath)
            #expect(record.serialized() == line)
        }
    }
}
