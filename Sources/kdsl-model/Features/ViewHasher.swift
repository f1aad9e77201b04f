import Basics
import JSONLines
import TextViews

/// Tokenises one text view and hashes its n-grams into feature ids: the one implementation of
/// TextViews' token contract (`Tokenizer.tokens`, `Tokenizer.ngrams`, `Tokenizer.characterNGrams`)
/// in the model, used by training (`TextHasher.extract`, into `RawText`), by prediction
/// (`Featuriser`) and by `--explain` (`Explainer`, which names the n-grams behind the ids), so all
/// three read text the same way by construction: one n-gram loop, `forEachNgram`.
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
    /// `lines` (the `lines` view, `TextView.tokenizesByLine`): each line is one token
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

    /// Where one n-gram of the last `tokenize` lies; `text(of:in:lines:)` spells it.
    enum Gram {
        /// Token `i` (a unigram).
        case word(Int)
        /// Tokens `first...last`, a word n-gram of order 2 or more.
        case words(first: Int, last: Int)
        /// Symbols `from..<to` of "<word>" for token `token`: symbol 0 is "<", the last ">", the
        /// others the word's scalars.
        case characters(token: Int, from: Int, to: Int)
    }

    /// What `forEachNgram` hands each n-gram to, with its feature id.
    protocol Visitor {
        mutating func visit(_ id: UInt32, _ gram: Gram)
    }

    /// Visits the n-grams that start at the tokens in `range` of the last `tokenize(bytes, ...)`,
    /// each with its feature id, as `hash(_:tokens:...)` hashes them (the same loop): token by
    /// token, its unigram, then the word n-grams of order 2...`wordOrder` that start at it (they
    /// may reach past the range's end), then, when `characters` (never in the `lines` view) and
    /// the configuration has a range, the character n-grams of "<word>" by start and length,
    /// unless the token is a CJK character.
    mutating func forEachNgram<V: Visitor>(_ bytes: UnsafeBufferPointer<UInt8>, tokens range: Range<Int>, namespace: Int, wordOrder: Int,
                                           characters: Bool, lines: Bool = false, into visitor: inout V) {
        let hasher = self.hasher
        let charMax = characters && !lines ? hasher.config.charMax : 0
        tokenStart.withUnsafeBufferPointer { tokenStart in
        tokenEnd.withUnsafeBufferPointer { tokenEnd in
        tokenKind.withUnsafeBufferPointer { tokenKind in
            ViewHasher.forEachNgram(bytes, Tokens(start: tokenStart, end: tokenEnd, kind: tokenKind), range: range, namespace: namespace, wordOrder: wordOrder,
                                    charMax: charMax, lines: lines, hasher: hasher, scalarOffsets: &scalarOffsets, into: &visitor)
        }}}
    }

    /// The text of `gram` of the last `tokenize(bytes, lines: lines)`, as TextViews' `Tokenizer`
    /// spells it (`tokens`, `ngrams`, `characterNGrams`, `lineTokens`, `lineNgrams`): the very
    /// bytes its feature id hashes.
    func text(of gram: Gram, in bytes: UnsafeBufferPointer<UInt8>, lines: Bool) -> String {
        func token(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[tokenStart[i]..<tokenEnd[i]]) }
        switch gram {
        case .word(let i):
            return String(decoding: token(i), as: UTF8.self)
        case .words(let first, let last):
            var out: [UInt8] = Array(token(first))
            for j in (first + 1)...last {
                if let joint = ViewHasher.joint(tokenKind[j - 1], tokenKind[j], lines: lines) { out.append(joint) }
                out.append(contentsOf: token(j))
            }
            return String(decoding: out, as: UTF8.self)
        case .characters(let i, let from, let to):
            var symbols: [Unicode.Scalar] = ["<"]
            symbols += String(decoding: token(i), as: UTF8.self).unicodeScalars
            symbols.append(">")
            var out = String.UnicodeScalarView()
            out.append(contentsOf: symbols[from..<to])
            return String(out)
        }
    }

    /// The byte between tokens j - 1 and j of a word n-gram, given their kinds (`tokenKind`), as
    /// `Tokenizer.ngrams` and `Tokenizer.lineNgrams` join them: "\n" between lines, a space
    /// between two words, none next to a CJK character.
    @inline(__always) private static func joint(_ before: UInt8, _ after: UInt8, lines: Bool) -> UInt8? {
        if lines { return 0x0A }
        return before & 1 == 0 && after & 1 == 0 ? 0x20 : nil
    }

    /// The tokens of the last `tokenize`, borrowed for the n-gram loop.
    private struct Tokens {
        let start: UnsafeBufferPointer<Int>
        let end: UnsafeBufferPointer<Int>
        let kind: UnsafeBufferPointer<UInt8>
    }

    /// The n-gram loop of `forEachNgram` (see there), static so that `hash` can run it while it
    /// writes into its own lists. A character n-gram's hash extends the hash of the gram one
    /// shorter at the same start (FNV is sequential), so each start hashes `charMax` symbols.
    @inline(__always)
    private static func forEachNgram<V: Visitor>(_ b: UnsafeBufferPointer<UInt8>, _ tokens: Tokens, range: Range<Int>, namespace ns: Int, wordOrder maxOrder: Int,
                                                 charMax: Int, lines: Bool, hasher: TextHasher, scalarOffsets: inout [Int], into visitor: inout V) {
        let tokenStart = tokens.start, tokenEnd = tokens.end, tokenKind = tokens.kind
        let count = tokenKind.count
        let charMin = hasher.config.charMin
        let wordSeed = TextHasher.seed(ns, 1), charSeed = TextHasher.seed(ns, 2)
        for i in range {
            var h = wordSeed
            for k in tokenStart[i]..<tokenEnd[i] { h = FNV1a.step(h, b[k]) }
            visitor.visit(hasher.id(h), .word(i))
            var j = i + 1
            while j < count && j - i < maxOrder {
                if let joint = joint(tokenKind[j - 1], tokenKind[j], lines: lines) { h = FNV1a.step(h, joint) }
                for k in tokenStart[j]..<tokenEnd[j] { h = FNV1a.step(h, b[k]) }
                visitor.visit(hasher.id(h), .words(first: i, last: j))
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
                        if e - s >= charMin { visitor.visit(hasher.id(h), .characters(token: i, from: s, to: e)) }
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
                        if e - s >= charMin { visitor.visit(hasher.id(h), .characters(token: i, from: s, to: e)) }
                    }
                }
            }
        }
    }

    /// The visitor of `hash`: each id into its kind's list, reserved to the bound beforehand.
    private struct IDWriter: Visitor {
        let unigrams: UnsafeMutableBufferPointer<UInt32>
        let characterNgrams: UnsafeMutableBufferPointer<UInt32>
        let higherNgrams: UnsafeMutableBufferPointer<UInt32>
        var unigramCount = 0, characterCount = 0, higherCount = 0

        @inline(__always) mutating func visit(_ id: UInt32, _ gram: Gram) {
            switch gram {
            case .word: unigrams[unigramCount] = id; unigramCount += 1
            case .words: higherNgrams[higherCount] = id; higherCount += 1
            case .characters: characterNgrams[characterCount] = id; characterCount += 1
            }
        }
    }

    /// Hashes the n-grams starting at the tokens in `range` into the three id lists; `charMax`
    /// 0: no character n-grams.
    private mutating func hashTokens(_ b: UnsafeBufferPointer<UInt8>, range: Range<Int>, namespace ns: Int, wordOrder maxOrder: Int, charMax: Int, lines: Bool) {
        unigrams.count = 0; characterNgrams.count = 0; higherNgrams.count = 0
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
        let hasher = self.hasher
        var counts = (unigrams: 0, characters: 0, higher: 0)
        tokenStart.withUnsafeBufferPointer { tokenStart in
        tokenEnd.withUnsafeBufferPointer { tokenEnd in
        tokenKind.withUnsafeBufferPointer { tokenKind in
        unigrams.ids.withUnsafeMutableBufferPointer { unigrams in
        characterNgrams.ids.withUnsafeMutableBufferPointer { characterNgrams in
        higherNgrams.ids.withUnsafeMutableBufferPointer { higherNgrams in
            var writer = IDWriter(unigrams: unigrams, characterNgrams: characterNgrams, higherNgrams: higherNgrams)
            ViewHasher.forEachNgram(b, Tokens(start: tokenStart, end: tokenEnd, kind: tokenKind), range: range, namespace: ns, wordOrder: maxOrder,
                                    charMax: charMax, lines: lines, hasher: hasher, scalarOffsets: &scalarOffsets, into: &writer)
            counts = (writer.unigramCount, writer.characterCount, writer.higherCount)
        }}}}}}
        unigrams.count = counts.unigrams; characterNgrams.count = counts.characters; higherNgrams.count = counts.higher
    }

    /// Grows `list` to hold at least `bound` ids (doubling, so a long view is paid for once).
    @inline(__always) private static func reserve(_ list: inout IDs, _ bound: Int) {
        if list.ids.count < bound { list.ids = [UInt32](repeating: 0, count: max(bound, 2 * list.ids.count)) }
    }
}
