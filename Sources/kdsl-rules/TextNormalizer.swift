import Shared

/// `Tokenizer.normalize` written straight into UTF-8 bytes, for the matcher's hot loop.
///
/// Contract: `normalizedUTF8(s)` equals `Array(Tokenizer.normalize(s).utf8)` for every string
/// (a test checks it on random text). Why a second implementation: the shared one works scalar by
/// scalar through Unicode property look-ups; here ASCII, the full-width forms, the ideographic
/// space and the CJK blocks (which have no case) are handled on the bytes, and only other scalars
/// fall back to the shared function, so mining and matching still normalise the same way.
enum TextNormalizer {
    static func normalizedUTF8(_ text: String, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var text = text
        text.withUTF8 { buf in
            let n = buf.count
            var i = 0
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
                    // Any other scalar: decode its length and ask the shared normaliser.
                    let len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                    let end = min(n, i + len)
                    let piece = String(decoding: UnsafeBufferPointer(rebasing: buf[i..<end]), as: UTF8.self)
                    out.append(contentsOf: Tokenizer.normalize(piece).utf8)
                    i = end
                }
            }
        }
    }

    static func normalizedUTF8(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        normalizedUTF8(text, into: &out)
        return out
    }
}
