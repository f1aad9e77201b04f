import Foundation
import Testing
import TestSupport
import Basics
@testable import JSONLines
@testable import TextViews

/// `TextBytes` against its reference, `Tokenizer.normalizedUTF8(RecordText(record)[field])`, byte
/// for byte: on generated records spelled with every escape and dialogue shape, and on every
/// record of the bundled sample, of the WWW2025 challenge records and of the SROIE receipts' text.
@Suite struct TextBytesTests {
    /// Compares every subset of views (each subset takes its own code path through the writers).
    static func mismatch(_ record: Record, _ views: TextBytes, paths: (FieldPath, FieldPath, FieldPath) = ("text", "dialogue", "ocr.text")) -> String? {
        let text = RecordText(record, text: paths.0, dialogue: paths.1, ocr: paths.2)
        var expected: [UInt8] = []
        // The text views' subsets, and `last` (index 7, built from the parsed record) alone and beside user.
        for mask in Array(1..<16) + [1 << 7, 1 << 7 | 1] {
            let fields = TextView.allCases.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
            views.load(record, views: fields)
            for field in TextView.allCases {
                Tokenizer.normalizedUTF8(text[field], into: &expected)
                let got = views.bytes(field)
                let want = fields.contains(field) ? expected : []
                if got != want {
                    return "\(field) (views \(fields.map(\.rawValue))): got \(String(decoding: got, as: UTF8.self).debugDescription), want \(String(decoding: want, as: UTF8.self).debugDescription)"
                }
            }
        }
        return nil
    }

    /// Builds records whose text fields exercise the byte path's cases.
    struct Generator {
        var rng: SeededRNG
        mutating func chance(_ p: Double) -> Bool { rng.nextUnit() < p }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }

        static let pieces: [String] = [
            "退款", "怎么", "快递到哪了", "hello", "World", "ORDER 123", " ", "  ", "\t", "　", "Ａｂｃ", "ＸＹＺ！", "，", "。",
            "é", "É", "İ", "Σ", "ß", "Ⱥ", "Ω", "K", "ǅ", "😀", "𠀀", "“引号”", "…", "¥68", "ｶﾀｶﾅ", "カタカナ", "한국어", "Привет",
            ":", "：", "\"", "\\", "/", "\u{7F}", "\u{1}", "\u{8}", "\u{C}",
        ]
        static let tags: [String] = ["用户", "客服", "User", "AGENT", "customer", "Assistant", "system", "bot", "买家", "商家", "note", "http", ""]

        /// A line of dialogue: tagged (tag variants: case, spaces, full-width colon) or not.
        mutating func line() -> String {
            var s = ""
            if chance(0.7) {
                let tag = pick(Self.tags)
                s += pick(["", " ", "\t", "  "]) + tag + pick(["", " ", "\t"]) + pick([":", "：", ":", "：", ""]) + pick(["", " ", "  ", "\t"])
            }
            for _ in 0..<Int(rng.next() % 5) { s += pick(Self.pieces) }
            if chance(0.2) { s += pick([" ", "\t", "　"]) }
            return s
        }

        mutating func text(lines: Int) -> String {
            var s = ""
            for k in 0..<lines {
                if k > 0 { s += pick(["\n", "\n", "\r\n", "\r", "\n\n", "\n \n"]) }
                s += line()
            }
            if chance(0.2) { s += pick(["\n", "\r\n", " "]) }
            return s
        }

        /// `s` as a JSON string literal, each scalar spelled raw or escaped at random; surrogate
        /// pairs (which send the record down jansson's path) at a low rate.
        mutating func literal(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                let v = u.value
                switch u {
                case "\"": out += chance(0.5) ? "\\\"" : "\\u0022"
                case "\\": out += "\\\\"
                case "\n": out += chance(0.8) ? "\\n" : "\\u000a"
                case "\r": out += chance(0.8) ? "\\r" : "\\u000D"
                case "\t": out += chance(0.5) ? "\\t" : "\\u0009"
                case "/": out += chance(0.5) ? "\\/" : "/"
                default:
                    if v < 0x20 {
                        out += v == 8 && chance(0.5) ? "\\b" : v == 12 && chance(0.5) ? "\\f" : String(format: "\\u%04x", v)
                    } else if v >= 0x10000 && chance(0.1) {
                        let x = v - 0x10000
                        out += String(format: "\\u%04X\\u%04x", 0xD800 + (x >> 10), 0xDC00 + (x & 0x3FF))
                    } else if (v >= 0x80 && v < 0x10000 && chance(0.15)) || chance(0.03) {
                        out += String(format: chance(0.5) ? "\\u%04x" : "\\u%04X", v)
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            return out + "\""
        }

        mutating func dialogue() -> String {
            switch rng.next() % 10 {
            case 0...5: return literal(text(lines: Int(rng.next() % 6)))
            case 6, 7:
                var items: [String] = []
                for _ in 0..<Int(rng.next() % 5) {
                    var members: [String] = []
                    let roleKey = pick(["role", "speaker", "who"]), textKey = pick(["text", "content", "body"])
                    if chance(0.9) { members.append("\"\(roleKey)\":" + (chance(0.9) ? literal(pick(["user", "User ", "assistant", "客服", " AGENT", "weird", ""])) : "3")) }
                    if chance(0.9) { members.append("\"\(textKey)\":" + (chance(0.9) ? literal(text(lines: Int(rng.next() % 3))) : "null")) }
                    items.append("{" + members.joined(separator: ",") + "}")
                }
                return "[" + items.joined(separator: ", ") + "]"
            default: return pick(["null", "42", "true", "{\"text\":\"User: x\"}"])
            }
        }

        mutating func record() -> String {
            var members: [String] = ["\"id\":\"r\(rng.next() % 1000)\""]
            if chance(0.5) { members.append("\"task\":\"intent\"") }
            if chance(0.5) { members.append("\"text\":" + (chance(0.9) ? literal(text(lines: Int(rng.next() % 3))) : pick(["1", "null", "[\"a\"]"]))) }
            if chance(0.8) { members.append("\"dialogue\":" + dialogue()) }
            if chance(0.6) {
                let inner = chance(0.9) ? literal(text(lines: Int(rng.next() % 4))) : pick(["null", "0", "{}"])
                members.append("\"ocr\":" + (chance(0.9) ? "{\"images\":[{\"text\":\"x\"}],\"text\":\(inner)}" : inner))
            }
            if chance(0.05) { members.append("\"text\":" + literal("dup")) }  // duplicate key: the last wins
            return "{" + members.joined(separator: pick([",", ", "])) + "}"
        }
    }

    @Test func generatedRecordsMatchTheStringReference() throws {
        var gen = Generator(rng: SeededRNG(seed: 20251122))
        let views = TextBytes()
        var fast = 0, slow = 0
        for n in 0..<4000 {
            let line = gen.record()
            let record = try Record(line)
            if record.isFastPath { fast += 1 } else { slow += 1 }
            if let problem = Self.mismatch(record, views) {
                Issue.record("record \(n): \(line)\n\(problem)")
                return
            }
        }
        // Both the byte path and the jansson fallback must have been exercised.
        #expect(fast > 2000 && slow > 20, "fast \(fast), slow \(slow)")
    }

    @Test func handPickedDialogues() throws {
        let views = TextBytes()
        for line in [
            #"{"text":"Hi","dialogue":"用户: a\n客服: b\n用户: c"}"#,
            #"{"dialogue":"用户:\n客服：  \n"}"#,                        // empty turns: separators only
            #"{"text":"t","dialogue":"用户:"}"#,                          // one empty user turn: user = text
            #"{"dialogue":"  lead line  \n more\nAgent: x\n\ty "}"#,       // text before any tag, continuation kept untrimmed
            #"{"dialogue":"User : Ａ　Ｂ\r\nASSISTANT ：ÉÉ\r\n"}"#,
            #"{"dialogue":[{"role":"User ","text":" a "},{"speaker":"客服","content":"b"},{"role":"bot"}]}"#,
            #"{"dialogue":"\u7528\u6237: \u9000\u6b3e\n\u5ba2\u670d: ok"}"#,
            #"{"dialogue":"User: \ud83d\ude00"}"#,                        // surrogate pair: jansson path
            #"{"ocr":{"text":"ORDER\nNo. 1"},"ocr":{"text":"second"}}"#,
            #"{"ocr":"flat","text":7,"dialogue":{"a":1}}"#,
        ] {
            let record = try Record(line)
            if let problem = Self.mismatch(record, views) { Issue.record("\(line): \(problem)") }
        }
    }

    @Test func otherPathsAndKeysSetByTheStage() throws {
        let views = TextBytes(text: "body", dialogue: "conv.turns", ocr: "scan")
        var record = try Record(#"{"body":"Ｈｉ","conv":{"turns":"用户: a\n客服: b"},"scan":"X"}"#)
        #expect(Self.mismatch(record, views, paths: ("body", "conv.turns", "scan")) == nil)
        record.set("body", .string("SET"))  // read back through the reference, as value(at:) sees it
        #expect(Self.mismatch(record, views, paths: ("body", "conv.turns", "scan")) == nil)
        views.load(record, views: [.user])
        #expect(views.bytes(.user) == Array("set\na".utf8))
    }

    /// Real records, with the fewest lines each source must give: the bundled sample (English
    /// sentences), the WWW2025 challenge records (Chinese dialogues tagged 用户/客服, from
    /// ../shared/data/www2025/train.json as examples/www2025 converts it) and, for the `ocr` view,
    /// the SROIE receipts' exact line transcriptions (../shared/data/ocr/sroie/box) as `ocr.text`.
    static func records(of source: String) throws -> (lines: [[UInt8]], minimum: Int) {
        switch source {
        case "sample":
            let url = repositoryRoot.appendingPathComponent("examples/sample/records.jsonl")
            guard let data = FileManager.default.contents(atPath: url.path) else { throw MissingTestData("the bundled sample \(url.path) is missing") }
            return (jsonLines(data), 100)
        case "www2025":
            return (try jsonLines(www2025Records()), 700)
        case "sroie":
            let box = try sharedDataFile("ocr/sroie/box")
            let names = try FileManager.default.contentsOfDirectory(atPath: box.path).filter { $0.hasSuffix(".csv") }.sorted()
            var lines: [[UInt8]] = []
            for name in names {
                // x1,y1,...,y4,transcription: the text is what follows the eighth comma.
                let csv = try String(contentsOf: box.appendingPathComponent(name), encoding: .utf8)
                let text = csv.split(whereSeparator: \.isNewline).map { row in
                    String(row.split(separator: ",", maxSplits: 8, omittingEmptySubsequences: false).dropFirst(8).first ?? "")
                }.joined(separator: "\n")
                let record: [String: Any] = ["id": "sroie-" + String(name.dropLast(4)), "ocr": ["text": text]]
                lines.append(Array(try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])))
            }
            return (lines, 70)
        default:
            throw MissingTestData("unknown source \(source)")
        }
    }

    /// Every record of each real source matches the reference.
    @Test(arguments: ["sample", "www2025", "sroie"])
    func realRecords(source: String) throws {
        let (lines, minimum) = try Self.records(of: source)
        let views = TextBytes()
        var count = 0
        for line in lines {
            let record = try line.withUnsafeBufferPointer { try Record(line: $0, location: SourceLocation(file: source, line: count + 1)) }
            count += 1
            if let problem = Self.mismatch(record, views) { Issue.record("\(source) line \(count): \(problem)"); return }
        }
        print("TextBytes on real records: \(source), \(count) records")
        #expect(count > minimum, "\(source): \(count) records, expected more than \(minimum)")
    }

    @Test func normaliserAgreesOnEveryScalarBlockItTouches() {
        // Every scalar (surrogates excluded), one at a time and all together, through both normalisers.
        var normalizer = ByteNormalizer()
        let out = ByteBuffer()
        defer { out.free() }
        var text = String.UnicodeScalarView()
        var expected: [UInt8] = []
        for v in UInt32(0)..<0x110000 where v % 7 == 0 || v < 0x3100 || (0xFF00...0xFFFF).contains(v) {
            guard let s = Unicode.Scalar(v) else { continue }
            text.append(s)
        }
        let whole = String(text)
        Tokenizer.normalizedUTF8(whole, into: &expected)
        var w = whole
        w.withUTF8 { normalizer.append($0, to: out) }
        #expect(Array(out.buffer) == expected)
    }
}
