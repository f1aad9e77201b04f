import Basics
import JSONLines
import TextViews

/// Tokenises one text view and hashes its n-grams into feature ids: the one implementation of
/// TextViews' token contract (`Tokenizer.tokens`, `Tokenizer.ngrams`, `Tokenizer.characterNGrams`)
/// in the model, used by training (`TextHasher.extract`, into `RawText`) and by prediction
/// (`Featuriser`), so the two read text the same way by construction.
///
/// Input: the view's normalised UTF-8 (`Tokenizer.normalizedUTF8`, or TextViews' `TextBytes`
/// straight from the record's JSON). Output: the ids of the strings the Tokenizer would build
/// (tests compare with it), in three lists, because a head may leave out the last two:
/// - `unigrams`: each token, hashed with seed (namespace, 1);
/// - `characterNgrams`: n-grams of "<word>" for each token that is not a CJK character (its
///   n-grams would only repeat the token), seed (namespace, 2);
/// - `higherNgrams`: word n-grams of order 2...`wordOrder`, tokens joined as `Tokenizer.ngrams`
///   joins them (a space unless a side is CJK), seed (namespace, 1).
///
/// Nothing is copied: tokens are byte ranges of the input, and a character n-gram's hash
/// extends the hash of the gram one shorter at the same start (FNV is sequential), so each start
/// hashes `charMax` bytes instead of `charMin + ... + charMax`. Buffers are reused from view to
/// view: one instance per thread.
struct ViewHasher {
    let hasher: TextHasher

    /// Ids of one kind from the last `hash`: the first `count` of `ids` (the buffer is reused
    /// and only grows; a caller may reorder the ids in place).
    struct IDs {
        var ids: [UInt32] = []
        var count = 0
    }

    var unigrams = IDs()
    var characterNgrams = IDs()
    var higherNgrams = IDs()

    /// Tokens of the last `hash`: token i is bytes[tokenStart[i]..<tokenEnd[i]]; tokenKind bit 0:
    /// a CJK character, bit 1: a word with non-ASCII scalars.
    private(set) var tokenStart: [Int] = []
    private(set) var tokenEnd: [Int] = []
    private(set) var tokenKind: [UInt8] = []
    /// Byte offsets of the scalars of one non-ASCII word, plus its end.
    private var scalarOffsets: [Int] = []

    init(_ hasher: TextHasher) {
        self.hasher = hasher
    }

    /// Tokenises `bytes` (normalised UTF-8 of view `namespace`) and hashes its n-grams into
    /// `unigrams`, `characterNgrams` (only when `characters` and the configuration has a range)
    /// and `higherNgrams` (orders 2...`wordOrder`; none when `wordOrder` is 1).
    ///
    /// `lines` (the `lines` view, `TextField.tokenizesByLine`): each line is one token
    /// (`Tokenizer.lineTokens`), n-grams join lines with "\n" (`Tokenizer.lineNgrams`), and there
    /// are no character n-grams.
    mutating func hash(_ bytes: UnsafeBufferPointer<UInt8>, namespace: Int, wordOrder: Int, characters: Bool, lines: Bool = false) {
        tokenize(bytes, lines: lines)
        hash(bytes, tokens: 0..<tokenCount, namespace: namespace, wordOrder: wordOrder, characters: characters, lines: lines)
    }

    /// Splits `bytes` into tokens (lines for the `lines` view) for `hash(_:tokens:...)`: from byte
    /// `start`, which must be 0 or where a token of the whole view starts, until the end or until
    /// at least `limit` tokens are made. The tokens are then those of the whole view from that one
    /// on (a token never spans a token start), so a long view can be read a part at a time.
    mutating func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, limit: Int = .max, lines: Bool) {
        if lines { tokenizeLines(bytes, from: start, limit: limit) } else { tokenize(bytes, from: start, limit: limit) }
    }

    /// Where token `i` of the last `tokenize` starts in the view's bytes.
    func tokenStart(_ i: Int) -> Int { tokenStart[i] }

    /// Tokens of the last `tokenize`.
    var tokenCount: Int { tokenKind.count }

    /// Hashes the n-grams that start at the tokens in `range` of the last `tokenize(bytes, ...)`
    /// into the three lists (replacing their contents); word n-grams may reach past the range's
    /// end. Hashing a long view range by range keeps the lists short: the ids of all ranges are
    /// those of the whole view, in the same order.
    mutating func hash(_ bytes: UnsafeBufferPointer<UInt8>, tokens range: Range<Int>, namespace: Int, wordOrder: Int, characters: Bool, lines: Bool = false) {
        hashTokens(bytes, range: range, namespace: namespace, wordOrder: wordOrder, charMax: characters && !lines ? hasher.config.charMax : 0, lines: lines)
    }

    /// Splits normalised UTF-8 into its lines as `Tokenizer.lineTokens` does: text between line
    /// breaks, spaces, tabs and carriage returns trimmed at both ends, empty lines dropped.
    private mutating func tokenizeLines(_ b: UnsafeBufferPointer<UInt8>, from first: Int, limit: Int) {
        tokenStart.removeAll(keepingCapacity: true)
        tokenEnd.removeAll(keepingCapacity: true)
        tokenKind.removeAll(keepingCapacity: true)
        @inline(__always) func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
        var i = first
        let n = b.count
        while i < n && tokenKind.count < limit {
            var end = i
            while end < n && b[end] != 0x0A { end += 1 }
            var lo = i, hi = end
            while lo < hi && blank(b[lo]) { lo += 1 }
            while hi > lo && blank(b[hi - 1]) { hi -= 1 }
            if lo < hi { tokenStart.append(lo); tokenEnd.append(hi); tokenKind.append(1) }
            i = end + 1
        }
    }

    // MARK: Tokens

    /// Splits normalised UTF-8 into tokens as `Tokenizer.tokens` does: runs of letters and
    /// digits, and each CJK character alone; anything else separates.
    private mutating func tokenize(_ b: UnsafeBufferPointer<UInt8>, from first: Int, limit: Int) {
        tokenStart.removeAll(keepingCapacity: true)
        tokenEnd.removeAll(keepingCapacity: true)
        tokenKind.removeAll(keepingCapacity: true)
        let n = b.count
        var i = first
        var start = -1
        var kind: UInt8 = 0
        // Every append ends the word in progress (start = -1), so stopping at the limit never
        // leaves a token half read.
        while i < n && tokenKind.count < limit {
            let c = b[i]
            if c < 0x80 {
                // Normalised text has no upper-case ASCII; accept it anyway as the tokenizer does.
                if (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) {
                    if start < 0 { start = i; kind = 0 }
                } else if start >= 0 {
                    tokenStart.append(start); tokenEnd.append(i); tokenKind.append(kind); start = -1
                }
                i += 1
                continue
            }
            let len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
            var v = UInt32(c) & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07)
            for k in 1..<len { v = (v << 6) | (UInt32(b[i + k]) & 0x3F) }
            let s = Unicode.Scalar(v)!
            if Tokenizer.isCJK(s) {
                if start >= 0 { tokenStart.append(start); tokenEnd.append(i); tokenKind.append(kind); start = -1 }
                tokenStart.append(i); tokenEnd.append(i + len); tokenKind.append(3)
            } else if s.properties.isAlphabetic || s.properties.numericType != nil {
                if start < 0 { start = i; kind = 0 }
                kind = 2
            } else if start >= 0 {
                tokenStart.append(start); tokenEnd.append(i); tokenKind.append(kind); start = -1
            }
            i += len
        }
        if start >= 0 { tokenStart.append(start); tokenEnd.append(n); tokenKind.append(kind) }
    }

    // MARK: Hashing

    /// Hashes the n-grams starting at the tokens in `range` into the three id lists; `charMax`
    /// 0: no character n-grams.
    private mutating func hashTokens(_ b: UnsafeBufferPointer<UInt8>, range: Range<Int>, namespace ns: Int, wordOrder maxOrder: Int, charMax: Int, lines: Bool) {
        unigrams.count = 0; characterNgrams.count = 0; higherNgrams.count = 0
        let count = tokenKind.count
        if range.isEmpty { return }
        let charMin = hasher.config.charMin
        // Bounds: per token one unigram and maxOrder - 1 higher n-grams; per start of "<word>"
        // at most charMax - charMin + 1 character n-grams.
        ViewHasher.reserve(&unigrams, range.count)
        // Only words that are not CJK characters have character n-grams: bound by their bytes (a
        // view of Chinese text would otherwise reserve several ids per byte it never uses).
        var wordBytes = 0, words = 0
        if charMax > 0 { for i in range where tokenKind[i] & 1 == 0 { wordBytes += tokenEnd[i] - tokenStart[i]; words += 1 } }
        ViewHasher.reserve(&characterNgrams, charMax > 0 ? (wordBytes + 2 * words) * (charMax - charMin + 1) : 0)
        ViewHasher.reserve(&higherNgrams, range.count * max(0, maxOrder - 1))
        let wordSeed = TextHasher.seed(ns, 1), charSeed = TextHasher.seed(ns, 2)
        let hasher = self.hasher
        var nLower = 0, nChars = 0, nHigher = 0
        tokenStart.withUnsafeBufferPointer { tokenStart in
        tokenEnd.withUnsafeBufferPointer { tokenEnd in
        tokenKind.withUnsafeBufferPointer { tokenKind in
        unigrams.ids.withUnsafeMutableBufferPointer { lowerOut in
        characterNgrams.ids.withUnsafeMutableBufferPointer { charOut in
        higherNgrams.ids.withUnsafeMutableBufferPointer { higherOut in
        for i in range {
            var h = wordSeed
            for k in tokenStart[i]..<tokenEnd[i] { h = FNV1a.step(h, b[k]) }
            lowerOut[nLower] = hasher.id(h); nLower += 1
            var j = i + 1
            while j < count && j - i < maxOrder {
                if lines { h = FNV1a.step(h, 0x0A) } else if tokenKind[j - 1] & 1 == 0 && tokenKind[j] & 1 == 0 { h = FNV1a.step(h, 0x20) }
                for k in tokenStart[j]..<tokenEnd[j] { h = FNV1a.step(h, b[k]) }
                higherOut[nHigher] = hasher.id(h); nHigher += 1
                j += 1
            }
            if charMax == 0 || tokenKind[i] & 1 != 0 { continue }
            // Character n-grams of "<word>": symbol 0 is "<", the last ">", the rest the word's
            // scalars (each its UTF-8 bytes, as `Tokenizer.characterNGrams` strings have them).
            let lo = tokenStart[i], hi = tokenEnd[i]
            if tokenKind[i] & 2 == 0 {
                let len = hi - lo + 2
                for s in 0..<len {
                    var h = charSeed
                    let last = min(len, s + charMax)
                    var e = s
                    while e < last {
                        let c: UInt8 = e == 0 ? 0x3C : (e == len - 1 ? 0x3E : b[lo + e - 1])
                        h = FNV1a.step(h, c)
                        e += 1
                        if e - s >= charMin { charOut[nChars] = hasher.id(h); nChars += 1 }
                    }
                }
            } else {
                scalarOffsets.removeAll(keepingCapacity: true)
                var k = lo
                while k < hi {
                    scalarOffsets.append(k)
                    let c = b[k]
                    k += c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
                }
                scalarOffsets.append(hi)
                let len = scalarOffsets.count - 1 + 2
                for s in 0..<len {
                    var h = charSeed
                    let last = min(len, s + charMax)
                    var e = s
                    while e < last {
                        if e == 0 { h = FNV1a.step(h, 0x3C) } else if e == len - 1 { h = FNV1a.step(h, 0x3E) } else {
                            for q in scalarOffsets[e - 1]..<scalarOffsets[e] { h = FNV1a.step(h, b[q]) }
                        }
                        e += 1
                        if e - s >= charMin { charOut[nChars] = hasher.id(h); nChars += 1 }
                    }
                }
            }
        }
        }}}}}}
        unigrams.count = nLower; characterNgrams.count = nChars; higherNgrams.count = nHigher
    }

    /// Grows `list` to hold at least `bound` ids (doubling, so a long view is paid for once).
    @inline(__always) private static func reserve(_ list: inout IDs, _ bound: Int) {
        if list.ids.count < bound { list.ids = [UInt32](repeating: 0, count: max(bound, 2 * list.ids.count)) }
    }
}
