import Basics
@testable import JSONLines

/// Generates JSON object lines as bytes, spelled in every way JSON allows (and, at a low rate,
/// in ways it does not), for the property tests against jansson. Deterministic from its seed.
struct RecordGenerator {
    var rng: SeededRNG
    /// A "wild" line uses the rare spellings (surrogates, `\u0000`, invalid UTF-8, bad tokens);
    /// a clean one only what the fast path handles, so both paths get plenty of cases.
    var wild = false

    init(seed: UInt64) { rng = SeededRNG(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { rng.nextUnit() < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    /// One line: usually an object, sometimes another value or broken text.
    mutating func line() -> [UInt8] {
        wild = chance(0.4)
        var out: [UInt8] = []
        ws(&out)
        if wild && chance(0.05) {
            value(&out, depth: 1)  // a top-level value that may not be an object
        } else {
            object(&out, depth: 0)
        }
        ws(&out)
        if wild && chance(0.03) { out.append(contentsOf: pick([Array("x".utf8), Array("{}".utf8), [0], Array(",".utf8)])) }
        return out
    }

    mutating func ws(_ out: inout [UInt8]) {
        guard chance(0.25) else { return }
        for _ in 0..<int(1...3) { out.append(pick([0x20, 0x09, 0x0A, 0x0D])) }
    }

    /// Keys come from a small pool so duplicates are common; `l\u0061bel` duplicates `label`.
    static let keyPool: [String] = ["a", "b", "label", "id", "ocr", "text", "", "a.b", "键", "ключ", "😀", #"l\u0061bel"#, #"q\"k"#, #"t\tab"#]

    mutating func object(_ out: inout [UInt8], depth: Int) {
        out.append(UInt8(ascii: "{"))
        ws(&out)
        let count = depth == 0 ? int(0...8) : int(0...4)
        for m in 0..<count {
            if m > 0 {
                if wild && chance(0.01) {} else { out.append(UInt8(ascii: ",")) }
                ws(&out)
            }
            if chance(0.8) {
                out.append(0x22); out.append(contentsOf: Array(pick(Self.keyPool).utf8)); out.append(0x22)
            } else {
                string(&out)
            }
            ws(&out)
            if wild && chance(0.01) {} else { out.append(UInt8(ascii: ":")) }
            ws(&out)
            value(&out, depth: depth + 1)
            ws(&out)
        }
        if wild && chance(0.01) { out.append(UInt8(ascii: ",")) }
        if wild && chance(0.01) { return }  // unclosed
        out.append(UInt8(ascii: "}"))
    }

    mutating func value(_ out: inout [UInt8], depth: Int) {
        let roll = int(0...9)
        switch roll {
        case 0...2: string(&out)
        case 3...4: number(&out)
        case 5: out.append(contentsOf: Array(pick(wild && chance(0.05) ? ["tru", "nul", "True", "nan", "fals"] : ["true", "false", "null"]).utf8))
        case 6...7 where depth < 5: object(&out, depth: depth)
        case 8...9 where depth < 5:
            out.append(UInt8(ascii: "["))
            ws(&out)
            for k in 0..<int(0...4) {
                if k > 0 { out.append(UInt8(ascii: ",")); ws(&out) }
                value(&out, depth: depth + 1)
                ws(&out)
            }
            if wild && chance(0.01) { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "]"))
        default: string(&out)
        }
    }

    mutating func digits(_ n: Int, leadingNonZero: Bool = true) -> String {
        var s = ""
        for k in 0..<n { s += String(k == 0 && leadingNonZero ? int(1...9) : int(0...9)) }
        return s
    }

    mutating func number(_ out: inout [UInt8]) {
        var text: String
        var roll = int(0...13)
        // Integers jansson rejects (outside Int64) and giant spellings mostly in wild lines.
        if !wild && [4, 5, 11].contains(roll) && chance(0.9) { roll = 13 }
        switch roll {
        case 0: text = pick(["0", "-0", "1", "-1", "0.0", "-0.0"])
        case 1, 2: text = digits(int(1...18))
        case 3: text = "-" + digits(int(1...18))
        case 4: text = pick(["9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
                             "18446744073709551615", "12345678901234567890", "1000000000000000000"])
        case 5: text = (chance(0.5) ? "-" : "") + digits(int(19...20))
        case 6, 7: text = digits(int(1...6)) + "." + digits(int(1...17), leadingNonZero: false)
        case 8: text = (chance(0.3) ? "-" : "") + digits(int(1...3)) + pick(["e", "E"]) + pick(["", "+", "-"]) + String(int(0...30))
        case 9: text = pick(["1e308", "1.7976931348623157e308", "1e309", "-1e309", "2e-308", "4.9e-324", "1e-400", "0e999", "1E+400", "123.456e-7", "0.1", "0.30000000000000004"])
        case 10: text = digits(int(1...3)) + "." + digits(int(1...3), leadingNonZero: false) + "e" + pick(["-", "+", ""]) + String(int(250...330))
        case 11: text = digits(int(290...310)) + pick(["", ".5", "e1"])
        case 12: text = "0." + String(repeating: "0", count: int(1...40)) + digits(int(1...30))
        default: text = String(int(-1000...1000))
        }
        if wild && chance(0.1) { text = pick(["01", "-01", "1.", ".5", "+1", "1e", "1e+", "-", "0x1F", "NaN", "Infinity", "-Infinity", "1.e5", "00"]) }
        out.append(contentsOf: Array(text.utf8))
    }

    static let hex: [UInt8] = Array("0123456789abcdefABCDEF".utf8)

    mutating func hex4(_ v: Int, _ out: inout [UInt8]) {
        let upper = chance(0.3)
        for shift in [12, 8, 4, 0] {
            let d = (v >> shift) & 15
            out.append(d < 10 ? Self.hex[d] : Self.hex[upper ? d + 6 : d])
        }
    }

    mutating func scalar() -> Unicode.Scalar {
        while true {
            let v: Int
            switch int(0...3) {
            case 0: v = int(0x80...0x7FF)
            case 1: v = int(0x800...0xFFFF)
            case 2: v = int(0x4E00...0x9FFF)
            default: v = int(0x10000...0x10FFFF)
            }
            if let s = Unicode.Scalar(v) { return s }
        }
    }

    mutating func string(_ out: inout [UInt8]) {
        out.append(0x22)
        for _ in 0..<int(0...6) {
            let rare = wild && chance(0.08)
            if rare {
                switch int(0...12) {
                case 0: out.append(contentsOf: Array(#"\u0000"#.utf8))
                case 1: out.append(contentsOf: Array(#"\u"#.utf8)); hex4(int(0xD800...0xDBFF), &out)  // lone high
                case 2: out.append(contentsOf: Array(#"\u"#.utf8)); hex4(int(0xDC00...0xDFFF), &out)  // lone low
                case 3: out.append(contentsOf: [0xC0, 0x80])                     // overlong
                case 4: out.append(0x80)                                         // stray continuation
                case 5: out.append(contentsOf: [0xE4, 0xB8])                     // truncated
                case 6: out.append(contentsOf: [0xED, 0xA0, 0x80])               // encoded surrogate
                case 7: out.append(contentsOf: pick([[0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE0, 0x80, 0x80]]))
                case 8: out.append(UInt8(int(0...0x1F)))                         // raw control char
                case 9: out.append(contentsOf: Array(pick([#"\x"#, #"\u12G4"#, #"\U0041"#, #"\'"#, #"\u12"#]).utf8))
                case 10: out.append(contentsOf: Array(#"\u"#.utf8)); hex4(int(0xD800...0xDBFF), &out); out.append(contentsOf: Array(#"\u0041"#.utf8))
                default:  // a valid surrogate pair, which the fast path leaves to jansson
                    let s = Int(scalar().value) | 0x10000
                    let c = min(s, 0x10FFFF) - 0x10000
                    out.append(contentsOf: Array(#"\u"#.utf8)); hex4(0xD800 + (c >> 10), &out)
                    out.append(contentsOf: Array(#"\u"#.utf8)); hex4(0xDC00 + (c & 0x3FF), &out)
                }
                continue
            }
            switch int(0...7) {
            case 0, 1:
                for _ in 0..<int(1...12) { out.append(pick(Array(" abcxyzABC019_-.,:;{}[]#/'".utf8))) }
            case 2: out.append(contentsOf: Array(pick([#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#]).utf8))
            case 3:  // \uXXXX of a non-surrogate BMP scalar, control characters included
                out.append(contentsOf: Array(#"\u"#.utf8))
                var v = pick([int(1...0x1F), int(0x20...0x7F), int(0x80...0x7FF), int(0x800...0xD7FF), int(0xE000...0xFFFF)])
                if v == 0 { v = 1 }
                hex4(v, &out)
            case 4, 5: out.append(contentsOf: Array(String(Character(scalar())).utf8))
            case 6: out.append(contentsOf: Array(#"用户: 退款\n客服"#.utf8))
            default: out.append(contentsOf: Array("😀𝄞é".utf8))
            }
        }
        out.append(0x22)
    }

    /// A random value for `set`: finite reals, strings without NUL, nested values.
    mutating func setValue(depth: Int = 0) -> JSON {
        switch int(0...8) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2: return .int(Int64(bitPattern: rng.next()) >> int(0...63))
        case 3:
            while true {
                let d = pick([Double(bitPattern: rng.next()), rng.nextUnit(), 0.1, 1e-7, 1e21, -0.0, 5e-324, 1.7976931348623157e308])
                if d.isFinite { return .double(d) }
            }
        case 4, 5:
            var s = ""
            for _ in 0..<int(0...5) { s.unicodeScalars.append(pick([scalar(), Unicode.Scalar(UInt8(int(1...0x7F)))])) }
            return .string(s)
        case 6 where depth < 3: return .array((0..<int(0...3)).map { _ in setValue(depth: depth + 1) })
        case 7 where depth < 3:
            return .object((0..<int(0...3)).map { _ in (pick(["x", "y", "label", "", "é"]), setValue(depth: depth + 1)) })
        default: return .string("v")
        }
    }
}
