#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A validating JSON scanner over raw bytes that finds where each top-level member of an object
/// lies, without building values. It is the fast path of `Record`: a stage reads only the fields
/// it needs and splices its own key into the original bytes.
///
/// Contract (checked against jansson by property tests): when the verdict is `.valid`, jansson
/// accepts the same bytes and yields an object whose members are exactly `members` (duplicates
/// resolved by the last occurrence). Anything the scanner cannot decide cheaply — integers of 19+
/// digits, reals near overflow, `\u0000`, `\u` surrogates, nesting deeper than 512 — is `.unsure`,
/// and so is every error: the caller then asks jansson, which gives the final verdict and message.
package struct JSONScanner {
    enum Verdict { case valid, unsure }

    /// One `"key": value` of an object, as byte offsets into the scanned buffer.
    package struct Member {
        /// Bytes of the key between its quotes (still escaped).
        var keyStart: Int, keyEnd: Int
        /// Whether the key contains a backslash escape.
        var keyEscaped: Bool
        /// The value's first byte and one past its last.
        var valueStart: Int, valueEnd: Int
    }

    private let p: UnsafePointer<UInt8>
    private let n: Int
    private var i = 0
    /// Members of the outermost object (depth 1), filled while scanning.
    private var top: [Member] = []

    private init(_ p: UnsafePointer<UInt8>, _ n: Int) { self.p = p; self.n = n }

    /// Scans `bytes` as one JSON object (whitespace around it allowed), filling `members` with its
    /// top-level members in order; `close` gets the offset of the closing brace.
    static func scanObject(_ bytes: UnsafeBufferPointer<UInt8>, members: inout [Member], close: inout Int) -> Verdict {
        members.removeAll(keepingCapacity: true)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .unsure }
        var s = JSONScanner(base, bytes.count)
        swap(&s.top, &members)
        defer { swap(&s.top, &members) }
        s.ws()
        guard s.i < s.n, s.p[s.i] == UInt8(ascii: "{") else { return .unsure }
        guard s.objectBody(depth: 1) else { return .unsure }
        close = s.i - 1
        s.ws()
        return s.i == s.n ? .valid : .unsure
    }

    /// Scans `bytes` (already known valid) as any JSON value and, if it is an object, its members.
    static func members(ofValue bytes: UnsafeBufferPointer<UInt8>, into members: inout [Member]) -> Bool {
        var close = 0
        return scanObject(bytes, members: &members, close: &close) == .valid
    }

    @inline(__always) private mutating func ws() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    private mutating func value(depth: Int) -> Bool {
        guard i < n else { return false }
        switch p[i] {
        case UInt8(ascii: "\""): var escaped = false; return string(&escaped)
        case UInt8(ascii: "{"): return objectBody(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "t"): return literal(0x74, 0x72, 0x75, 0x65)
        case UInt8(ascii: "f"): return literal5()
        case UInt8(ascii: "n"): return literal(0x6E, 0x75, 0x6C, 0x6C)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    /// `{ "k": v, ... }` starting at `{`; records the members of the outermost object (depth 1).
    private mutating func objectBody(depth: Int) -> Bool {
        if depth > 512 { return false }
        i += 1
        ws()
        guard i < n else { return false }
        if p[i] == UInt8(ascii: "}") { i += 1; return true }
        while true {
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
            let keyStart = i + 1
            var escaped = false
            guard string(&escaped) else { return false }
            let keyEnd = i - 1
            ws()
            guard i < n, p[i] == UInt8(ascii: ":") else { return false }
            i += 1
            ws()
            let valueStart = i
            guard value(depth: depth) else { return false }
            if depth == 1 { top.append(Member(keyStart: keyStart, keyEnd: keyEnd, keyEscaped: escaped, valueStart: valueStart, valueEnd: i)) }
            ws()
            guard i < n else { return false }
            if p[i] == UInt8(ascii: ",") { i += 1; ws(); continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return true }
            return false
        }
    }

    private mutating func array(depth: Int) -> Bool {
        if depth > 512 { return false }
        i += 1
        ws()
        guard i < n else { return false }
        if p[i] == UInt8(ascii: "]") { i += 1; return true }
        while true {
            guard value(depth: depth) else { return false }
            ws()
            guard i < n else { return false }
            if p[i] == UInt8(ascii: ",") { i += 1; ws(); continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return true }
            return false
        }
    }

    @inline(__always) private mutating func literal(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        guard i + 4 <= n, p[i] == a, p[i + 1] == b, p[i + 2] == c, p[i + 3] == d else { return false }
        i += 4
        return true
    }

    private mutating func literal5() -> Bool {  // false
        guard i + 5 <= n, p[i] == 0x66, p[i + 1] == 0x61, p[i + 2] == 0x6C, p[i + 3] == 0x73, p[i + 4] == 0x65 else { return false }
        i += 5
        return true
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// JSON number grammar, as jansson's lexer reads it; sizes jansson might reject are unsure.
    private mutating func number() -> Bool {
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return false }
        let intStart = i
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(p[i]) {
            while i < n && isDigit(p[i]) { i += 1 }
        } else {
            return false
        }
        let intDigits = i - intStart
        var isReal = false
        if i < n && p[i] == UInt8(ascii: ".") {
            isReal = true
            i += 1
            guard i < n, isDigit(p[i]) else { return false }
            while i < n && isDigit(p[i]) { i += 1 }
        }
        var exponent = 0
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            isReal = true
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n, isDigit(p[i]) else { return false }
            while i < n && isDigit(p[i]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(p[i] - 0x30) }
                i += 1
            }
        }
        // jansson rejects integers outside Int64 and reals that overflow to infinity: leave those
        // (and anything close) to jansson.
        if !isReal { return intDigits < 19 }
        return intDigits + exponent < 300
    }

    /// A string starting at its opening quote; validates escapes and UTF-8 as jansson does.
    private mutating func string(_ escaped: inout Bool) -> Bool {
        i += 1
        while true {
            // Plain printable ASCII is the bulk: skip it 8 bytes at a time (SWAR) while no byte is
            // a quote, a backslash, a control character or non-ASCII. Each test can flag false
            // hits only in bytes above a true one, so the lowest flagged byte is a true hit: jump
            // straight to it.
            while i + 8 <= n {
                let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
                let control = (w &- 0x2020_2020_2020_2020) & ~w
                let q = w ^ 0x2222_2222_2222_2222, quote = (q &- ones) & ~q
                let b = w ^ 0x5C5C_5C5C_5C5C_5C5C, backslash = (b &- ones) & ~b
                let hits = (w | control | quote | backslash) & high
                if hits != 0 { i += hits.trailingZeroBitCount >> 3; break }
                i += 8
            }
            while i < n {
                let c = p[i]
                if c < 0x20 || c == 0x22 || c == 0x5C || c >= 0x80 { break }
                i += 1
            }
            guard i < n else { return false }
            let c = p[i]
            if c == 0x22 { i += 1; return true }
            if c == 0x5C {
                escaped = true
                guard i + 1 < n else { return false }
                switch p[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 6 <= n else { return false }
                    var code: UInt32 = 0
                    for k in 2..<6 {
                        let h = p[i + k]
                        let v: UInt32
                        switch h {
                        case 0x30...0x39: v = UInt32(h - 0x30)
                        case 0x41...0x46: v = UInt32(h - 0x41 + 10)
                        case 0x61...0x66: v = UInt32(h - 0x61 + 10)
                        default: return false
                        }
                        code = code << 4 | v
                    }
                    // NUL and surrogates have jansson-specific rules: let jansson decide.
                    if code == 0 || (code >= 0xD800 && code <= 0xDFFF) { return false }
                    i += 6
                default: return false
                }
                continue
            }
            if c < 0x20 { return false }
            // Non-ASCII text (CJK) comes in runs: validate the whole run before going back.
            repeat {
                guard utf8Sequence() else { return false }
            } while i < n && p[i] >= 0x80
        }
    }

    /// One multi-byte UTF-8 sequence at `i` (first byte ≥ 0x80): no overlongs, surrogates or > U+10FFFF.
    @inline(__always) private mutating func utf8Sequence() -> Bool {
        let c = p[i]
        // The common case first: a three-byte sequence (CJK) without the E0/ED special ranges.
        if c >= 0xE1 && c <= 0xEF && c != 0xED {
            guard i + 2 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return false }
            i += 3
            return true
        }
        @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < n && p[i + k] >= lo && p[i + k] <= hi
        }
        switch c {
        case 0xC2...0xDF:
            guard cont(1) else { return false }
            i += 2
        case 0xE0:
            guard cont(1, 0xA0), cont(2) else { return false }
            i += 3
        case 0xE1...0xEC, 0xEE, 0xEF:
            guard cont(1), cont(2) else { return false }
            i += 3
        case 0xED:
            guard cont(1, 0x80, 0x9F), cont(2) else { return false }
            i += 3
        case 0xF0:
            guard cont(1, 0x90), cont(2), cont(3) else { return false }
            i += 4
        case 0xF1...0xF3:
            guard cont(1), cont(2), cont(3) else { return false }
            i += 4
        case 0xF4:
            guard cont(1, 0x80, 0x8F), cont(2), cont(3) else { return false }
            i += 4
        default:
            return false
        }
        return true
    }
}

/// Decodes the body of a JSON string literal (between its quotes) already validated by
/// `JSONScanner` (so no `\u0000` and no surrogate escapes occur).
func decodeJSONString(_ body: UnsafeBufferPointer<UInt8>) -> String {
    guard body.contains(0x5C) else { return String(decoding: body, as: UTF8.self) }
    let out = ByteBuffer(capacity: max(16, body.count))
    defer { out.free() }
    unescapeJSON(body, into: out)
    return String(decoding: out.buffer, as: UTF8.self)
}

extension JSONScanner {
    /// The top-level members of `bytes`, an object that `scanObject` has already validated, found
    /// without validating again: strings are skipped to their closing quote, containers by depth.
    /// Reading a nested path (`ocr.text`) this way costs a fraction of a second validating pass
    /// over the object (measured with perf on `kdsl-rules apply`).
    static func skimMembers(ofValidObject bytes: UnsafeBufferPointer<UInt8>, into members: inout [Member]) {
        members.removeAll(keepingCapacity: true)
        guard let p = bytes.baseAddress, bytes.count >= 2, p[0] == UInt8(ascii: "{") else { return }
        let n = bytes.count
        var i = 1
        @inline(__always) func ws() {
            while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }
        /// From an opening quote to just past the closing one. The closing quote is the first
        /// quote not preceded by an odd run of backslashes (the string is valid), found with
        /// memchr (vectorised in libc).
        @inline(__always) func skipString() {
            i += 1
            while let q = memchr(p + i, 0x22, n - i) {
                let at = p.distance(to: q.assumingMemoryBound(to: UInt8.self))
                var k = at
                while k > i && p[k - 1] == 0x5C { k -= 1 }
                i = at + 1
                if (at - k) & 1 == 0 { return }
            }
            i = n
        }
        while true {
            ws()
            guard i < n, p[i] == 0x22 else { return }
            let keyStart = i + 1
            skipString()
            let keyEnd = i - 1
            let escaped = keyEnd > keyStart && memchr(p + keyStart, 0x5C, keyEnd - keyStart) != nil
            ws()
            i += 1  // ':'
            ws()
            let valueStart = i
            switch p[i] {
            case 0x22: skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                repeat {
                    let c = p[i]
                    if c == 0x22 { skipString(); continue }
                    if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1 }
                    i += 1
                } while depth > 0 && i < n
            default:
                while i < n, p[i] != 0x2C, p[i] != UInt8(ascii: "}"), p[i] != UInt8(ascii: "]"),
                      p[i] != 0x20, p[i] != 0x0A, p[i] != 0x0D, p[i] != 0x09 { i += 1 }
            }
            members.append(Member(keyStart: keyStart, keyEnd: keyEnd, keyEscaped: escaped, valueStart: valueStart, valueEnd: i))
            ws()
            guard i < n, p[i] == 0x2C else { return }
            i += 1
        }
    }
}

/// Decodes the body of a JSON string the scanner validated (no `\u0000`, no surrogate escapes)
/// into `out`, copying the runs between escapes in one go.
public func unescapeJSON(_ body: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
    let n = body.count
    out.reserve(n)
    let s = body.baseAddress!
    var i = 0
    while i < n {
        var j = i
        while j < n && s[j] != 0x5C { j += 1 }
        if j > i { out.append(UnsafeBufferPointer(start: s + i, count: j - i)) }
        guard j < n else { break }
        let e = s[j + 1]
        switch e {
        case 0x62: out.append(0x08)
        case 0x66: out.append(0x0C)
        case 0x6E: out.append(0x0A)
        case 0x72: out.append(0x0D)
        case 0x74: out.append(0x09)
        case 0x75:
            var code: UInt32 = 0
            for k in 2..<6 {
                let h = s[j + k]
                code = code << 4 | UInt32(h <= 0x39 ? h - 0x30 : (h | 0x20) - 0x61 + 10)
            }
            out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            i = j + 6
            continue
        default: out.append(e)
        }
        i = j + 2
    }
}
