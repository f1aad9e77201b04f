import JSONLines

/// Tokenisation shared by rule mining, rule matching and the model, so that all three see text
/// the same way.
///
/// Contract: `normalize` folds full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space to
/// their half-width forms and lower-cases; `tokens` yields each CJK character (Han, kana, Hangul)
/// as its own token and each run of other letters/digits as one word; everything else separates.
public enum Tokenizer {
    /// Half-width, lower-cased text.
    public static func normalize(_ text: String) -> String {
        var out: [UInt8] = []
        normalizedUTF8(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `normalize(text)` as UTF-8 bytes, written into `out` (cleared first): the form the rule
    /// matcher's hot loop needs. ASCII, the full-width forms, the ideographic space and the CJK
    /// blocks (which have no case) are handled on the bytes; other scalars go through the
    /// scalar-level rules of `normalizeScalars` (a test checks both agree on random text).
    public static func normalizedUTF8(_ text: String, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var text = text
        text.withUTF8 { buf in
            let n = buf.count
            var i = 0
            var scalar = String.UnicodeScalarView()
            while i < n {
                let b = buf[i]
                if b < 0x80 {
                    out.append(b >= 0x41 && b <= 0x5A ? b + 32 : b)
                    i += 1
                } else if b >= 0xE4 && b <= 0xE9 && i + 2 < n {
                    // U+4000–U+9FFF: CJK ideographs and hexagram symbols, caseless.
                    out.append(b); out.append(buf[i + 1]); out.append(buf[i + 2])
                    i += 3
                } else if b == 0xE3 && i + 2 < n {
                    // U+3000–U+3FFF: CJK punctuation, kana, caseless; U+3000 becomes a space.
                    if buf[i + 1] == 0x80 && buf[i + 2] == 0x80 { out.append(0x20) } else { out.append(b); out.append(buf[i + 1]); out.append(buf[i + 2]) }
                    i += 3
                } else if b == 0xEF && i + 2 < n && (buf[i + 1] == 0xBC || (buf[i + 1] == 0xBD && buf[i + 2] <= 0x9E)) && !(buf[i + 1] == 0xBC && buf[i + 2] == 0x80) {
                    // U+FF01–U+FF5E: full-width ASCII forms fold to ASCII, lower-cased.
                    let v = (UInt32(b & 0x0F) << 12) | (UInt32(buf[i + 1] & 0x3F) << 6) | UInt32(buf[i + 2] & 0x3F)
                    let a = UInt8(v - 0xFEE0)
                    out.append(a >= 0x41 && a <= 0x5A ? a + 32 : a)
                    i += 3
                } else {
                    // Any other scalar: decode its length and apply the scalar-level rules.
                    let len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                    let end = min(n, i + len)
                    scalar.removeAll(keepingCapacity: true)
                    for s in String(decoding: UnsafeBufferPointer(rebasing: buf[i..<end]), as: UTF8.self).unicodeScalars {
                        appendNormalized(s, to: &scalar)
                    }
                    out.append(contentsOf: String(scalar).utf8)
                    i = end
                }
            }
        }
    }

    /// `normalize`, scalar by scalar through Unicode properties: the reference the byte-level
    /// version is tested against.
    static func normalizeScalars(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { appendNormalized(s, to: &out) }
        return String(out)
    }

    @inline(__always) static func appendNormalized(_ s: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        let v = s.value
        if v >= 0xFF01 && v <= 0xFF5E {
            let folded = Unicode.Scalar(v - 0xFEE0)!
            out.append(folded.properties.isUppercase ? Unicode.Scalar(folded.value + 32)! : folded)
        } else if v == 0x3000 {
            out.append(" ")
        } else if v < 0x80 {
            out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 32)! : s)
        } else if s.properties.changesWhenLowercased {
            out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        } else {
            out.append(s)
        }
    }

    /// Whether `s` is written one character per token (Han, kana, Hangul).
    @inline(__always) public static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return true
        default: return false
        }
    }

    @inline(__always) static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) }
        return s.properties.isAlphabetic || s.properties.numericType != nil
    }

    /// The tokens of `text` after `normalize`.
    public static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var word = String.UnicodeScalarView()
        var norm = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            norm.removeAll(keepingCapacity: true)
            appendNormalized(s, to: &norm)
            for t in norm {
                if isCJK(t) {
                    if !word.isEmpty { result.append(String(word)); word.removeAll(keepingCapacity: true) }
                    result.append(String(t))
                } else if isWordScalar(t) {
                    word.append(t)
                } else if !word.isEmpty {
                    result.append(String(word)); word.removeAll(keepingCapacity: true)
                }
            }
        }
        if !word.isEmpty { result.append(String(word)) }
        return result
    }

    /// Token n-grams of length `n`: CJK characters join directly ("退款"), words with a space
    /// ("not received"), so an n-gram reads as the text it came from.
    public static func ngrams(_ tokens: [String], n: Int) -> [String] {
        guard n >= 1, tokens.count >= n else { return [] }
        if n == 1 { return tokens }
        var out: [String] = []
        out.reserveCapacity(tokens.count - n + 1)
        for i in 0...(tokens.count - n) {
            var g = tokens[i]
            for j in (i + 1)..<(i + n) {
                if needsSpace(tokens[j - 1], tokens[j]) { g += " " }
                g += tokens[j]
            }
            out.append(g)
        }
        return out
    }

    /// Character n-grams of one word with boundary marks (`<word>`), as fastText's subwords.
    public static func characterNGrams(_ word: String, min: Int, max: Int) -> [String] {
        let chars = Array(("<" + word + ">").unicodeScalars)
        var out: [String] = []
        for n in min...max where n <= chars.count {
            for i in 0...(chars.count - n) {
                var v = String.UnicodeScalarView()
                v.append(contentsOf: chars[i..<(i + n)])
                out.append(String(v))
            }
        }
        return out
    }

    /// The tokens of the `lines` view: each line of normalised text, spaces, tabs and carriage
    /// returns trimmed at both ends, empty lines dropped (the model's `ViewHasher` agrees).
    public static func lineTokens(_ normalized: String) -> [String] {
        normalized.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            let t = line.unicodeScalars.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            let u = String(String.UnicodeScalarView(t)).unicodeScalars.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            let s = String(String.UnicodeScalarView(u.reversed()))
            return s.isEmpty ? nil : s
        }
    }

    /// Line n-grams of order n: n consecutive line tokens joined by "\n".
    public static func lineNgrams(_ lines: [String], n: Int) -> [String] {
        guard n >= 1, lines.count >= n else { return [] }
        return (0...(lines.count - n)).map { lines[$0..<($0 + n)].joined(separator: "\n") }
    }

    static func needsSpace(_ a: String, _ b: String) -> Bool {
        guard let x = a.unicodeScalars.last, let y = b.unicodeScalars.first else { return false }
        return !isCJK(x) && !isCJK(y)
    }
}
