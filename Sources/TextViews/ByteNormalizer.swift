import JSONLines

/// `Tokenizer.normalizedUTF8` on raw UTF-8 bytes, appending to a `ByteBuffer`. ASCII, CJK, the
/// ideographic space and the full-width forms take the same byte rules as the reference; any other
/// scalar is copied when `Tokenizer.appendNormalized` maps it to itself (decided once per block of
/// 256 scalars, lazily, by asking that very function), else goes through it.
struct ByteNormalizer {
    /// One bit per scalar: normalising leaves it unchanged. Valid for blocks marked in `known`.
    private var identity = [UInt64](repeating: 0, count: 0x110000 / 64)
    private var known = [Bool](repeating: false, count: 0x110000 / 256)
    private var scalarScratch = String.UnicodeScalarView()

    /// Appends the normalised form of `src` (valid UTF-8) to `out`. With `escapes`, `src` is the
    /// body of a JSON string the scanner validated, decoded on the way (no separate unescaping
    /// pass: measured at 8% of `apply` on OCR text full of `\n`).
    mutating func append(_ src: UnsafeBufferPointer<UInt8>, to out: ByteBuffer, escapes: Bool = false) {
        let n = src.count
        guard n > 0 else { return }
        // Every byte rule below writes at most as many bytes as it reads (an escape too); only
        // the general scalar path may write more, and it reserves for itself.
        out.reserve(n + 8)
        var w = out.count
        var i = 0
        var o = out.p
        let s = src.baseAddress!
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        while i < n {
            let b = s[i]
            if b < 0x80 {
                // Runs of ASCII eight bytes at a time: lower-case A-Z by adding 0x20 where a byte
                // is >= "A" and < "[" (no carries: every byte is below 0x80).
                while i + 8 <= n {
                    let x = UInt64(littleEndian: UnsafeRawPointer(s + i).loadUnaligned(as: UInt64.self))
                    let q = x ^ 0x5C5C_5C5C_5C5C_5C5C
                    let stop = x & high | (escapes ? (q &- ones) & ~q & high : 0)
                    if stop != 0 { break }
                    let upper = (x &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(x &+ 0x2525_2525_2525_2525) & high
                    UnsafeMutableRawPointer(o + w).storeBytes(of: (x | upper >> 2).littleEndian, as: UInt64.self)
                    w += 8; i += 8
                }
                guard i < n else { break }
                let c = s[i]
                if c >= 0x80 { continue }
                if escapes && c == 0x5C {
                    let e = s[i + 1]
                    switch e {
                    case 0x62: o[w] = 0x08
                    case 0x66: o[w] = 0x0C
                    case 0x6E: o[w] = 0x0A
                    case 0x72: o[w] = 0x0D
                    case 0x74: o[w] = 0x09
                    case 0x75:
                        var code: UInt32 = 0
                        for k in 2..<6 {
                            let h = s[i + k]
                            code = code << 4 | UInt32(h <= 0x39 ? h - 0x30 : (h | 0x20) - 0x61 + 10)
                        }
                        i += 6
                        out.count = w
                        appendScalar(code, to: out, remaining: n - i)
                        w = out.count
                        o = out.p
                        continue
                    default: o[w] = e  // " \ \/
                    }
                    w += 1; i += 2
                    continue
                }
                o[w] = c &- 0x41 < 26 ? c + 32 : c
                w += 1; i += 1
            } else if b >= 0xE4 && b <= 0xE9 {
                o[w] = b; o[w + 1] = s[i + 1]; o[w + 2] = s[i + 2]
                w += 3; i += 3
            } else if b == 0xE3 {
                if s[i + 1] == 0x80 && s[i + 2] == 0x80 { o[w] = 0x20; w += 1 } else { o[w] = b; o[w + 1] = s[i + 1]; o[w + 2] = s[i + 2]; w += 3 }
                i += 3
            } else if b == 0xEF && (s[i + 1] == 0xBC || (s[i + 1] == 0xBD && s[i + 2] <= 0x9E)) && !(s[i + 1] == 0xBC && s[i + 2] == 0x80) {
                let v = (UInt32(b & 0x0F) << 12) | (UInt32(s[i + 1] & 0x3F) << 6) | UInt32(s[i + 2] & 0x3F)
                let a = UInt8(v - 0xFEE0)
                o[w] = a &- 0x41 < 26 ? a + 32 : a
                w += 1; i += 3
            } else {
                let len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                var v: UInt32
                switch len {
                case 2: v = (UInt32(b & 0x1F) << 6) | UInt32(s[i + 1] & 0x3F)
                case 3: v = (UInt32(b & 0x0F) << 12) | (UInt32(s[i + 1] & 0x3F) << 6) | UInt32(s[i + 2] & 0x3F)
                default: v = (UInt32(b & 0x07) << 18) | (UInt32(s[i + 1] & 0x3F) << 12) | (UInt32(s[i + 2] & 0x3F) << 6) | UInt32(s[i + 3] & 0x3F)
                }
                i += len
                if isIdentity(v) {
                    for k in 0..<len { o[w + k] = s[i - len + k] }
                    w += len
                } else {
                    out.count = w
                    appendGeneral(v, to: out, remaining: n - i)
                    w = out.count
                    o = out.p
                }
            }
        }
        out.count = w
    }

    /// One scalar given by value (a `\u` escape), by the same rules as its UTF-8 above; leaves
    /// room for the `remaining` input bytes.
    private mutating func appendScalar(_ v: UInt32, to out: ByteBuffer, remaining: Int) {
        if v < 0x80 {
            let c = UInt8(v)
            out.append(c &- 0x41 < 26 ? c + 32 : c)
        } else if v == 0x3000 {
            out.append(0x20)
        } else if (v >= 0x3001 && v <= 0x9FFF) || isIdentity(v) {
            out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
        } else if v >= 0xFF01 && v <= 0xFF5E {
            let a = UInt8(v - 0xFEE0)
            out.append(a &- 0x41 < 26 ? a + 32 : a)
        } else {
            appendGeneral(v, to: out, remaining: remaining)
            return
        }
        out.reserve(remaining + 8)
    }

    /// Any other scalar, through `Tokenizer.appendNormalized` itself.
    private mutating func appendGeneral(_ v: UInt32, to out: ByteBuffer, remaining: Int) {
        scalarScratch.removeAll(keepingCapacity: true)
        Tokenizer.appendNormalized(Unicode.Scalar(v) ?? "\u{FFFD}", to: &scalarScratch)
        out.reserve(scalarScratch.count * 4 + remaining + 8)
        for u in scalarScratch { out.append(u) }
    }

    @inline(__always) private mutating func isIdentity(_ v: UInt32) -> Bool {
        let block = Int(v >> 8)
        if !known[block] { learn(block) }
        return identity[Int(v >> 6)] & (1 << UInt64(v & 63)) != 0
    }

    /// Asks the reference rules about every scalar of one block.
    private mutating func learn(_ block: Int) {
        known[block] = true
        var out = String.UnicodeScalarView()
        for v in UInt32(block << 8)..<UInt32((block + 1) << 8) {
            guard let s = Unicode.Scalar(v) else { continue }
            out.removeAll(keepingCapacity: true)
            Tokenizer.appendNormalized(s, to: &out)
            if out.count == 1 && out.first == s { identity[Int(v >> 6)] |= 1 << UInt64(v & 63) }
        }
    }
}
