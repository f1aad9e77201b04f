import Shared

/// How text and images become features; stored in the model file so that predict sees records
/// exactly as train did.
struct FeatureConfig: Equatable, Sendable {
    /// Text views (Shared's `RecordText`), each its own namespace.
    var views: [TextField] = [.user, .agent, .ocr]
    /// Token n-grams 1...wordNgrams (CJK characters are tokens, so these are character n-grams there).
    var wordNgrams = 2
    /// Character n-grams of each non-CJK word, with boundary marks; `charMax == 0` turns them off.
    var charMin = 3
    var charMax = 5
    /// Hash space: feature ids are `bits`-bit hashes (≤ 31).
    var bits = 24
    /// tf → 1 + ln tf.
    var sublinear = true
    /// Multiply by the smoothed idf of the head's training records (as scikit-learn's TfidfTransformer).
    var idf = true
    /// Use image features.
    var images = true
    /// Norm of the standardised image block next to the unit-length text namespaces; negative:
    /// chosen per head by inner cross-validation (`--image-weight auto`).
    var imageWeight: Float = -1
    /// Add the record's task as a feature (joint mode: one head must tell the tasks apart).
    var taskFeature = false

    /// Whether a head with view mask `views` (bit i: `views[i]`) reads namespace `ns`; the task
    /// namespace (after the views) is always read.
    @inline(__always) func keeps(namespace ns: Int, views mask: UInt32) -> Bool {
        ns >= views.count || mask & (1 << UInt32(ns)) != 0
    }

    /// Segments of `RawText.ends` per view: word unigrams, character n-grams, word n-grams of
    /// order ≥ 2 (a head may leave out either of the last two).
    static let segmentsPerView = 3

    /// Whether a head reads segment `segment` of `RawText.ends` (three per view, then the task);
    /// `chars`: character n-grams too; `higher`: word n-grams of order ≥ 2 too.
    @inline(__always) func keeps(segment: Int, views mask: UInt32, higher: Bool, chars: Bool) -> Bool {
        let per = FeatureConfig.segmentsPerView
        if segment >= per * views.count { return true }
        guard keeps(namespace: segment / per, views: mask) else { return false }
        switch segment % per {
        case 0: return true
        case 1: return chars
        default: return higher
        }
    }

    /// The names of the views in `mask`, comma-separated (notes and the model's info line).
    func viewNames(_ mask: UInt32) -> String {
        views.indices.filter { mask & (1 << UInt32($0)) != 0 }.map { views[$0].rawValue }.joined(separator: ",")
    }

    /// The mask of every configured view.
    var allViews: UInt32 { views.count >= 32 ? .max : (1 << UInt32(views.count)) - 1 }
}

/// The hashed, counted text features of one record before weighting: ids sorted within each
/// namespace, with their counts. Independent of any head, so a record is tokenised once.
struct RawText {
    var ids: [UInt32] = []
    var counts: [Float] = []
    /// End index (exclusive) in `ids` of each segment: three per view of `FeatureConfig.views`,
    /// in order (word unigrams; character n-grams, which a head with `--char-ngrams` off leaves
    /// out; word n-grams of order 2...N, which a head with word n-grams 1 leaves out), then one
    /// for the task when configured.
    var ends: [Int] = []
}

/// Hashes text views into feature ids (the hashing trick, as fastText and Vowpal Wabbit).
///
/// Word n-grams hash the same bytes `Tokenizer.ngrams` would build ("not received", "退款") and
/// character n-grams the same as `Tokenizer.characterNGrams` ("<wo", "wor"...), without building
/// the strings: the model reads text exactly as the rules do, at streaming speed.
struct TextHasher: Sendable {
    let config: FeatureConfig
    let mask: UInt32

    init(_ config: FeatureConfig) {
        self.config = config
        self.mask = config.bits >= 32 ? UInt32.max >> 1 : (UInt32(1) << UInt32(config.bits)) - 1
    }

    static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash seed of a namespace (view index, kind): separate views never share a feature.
    @inline(__always) static func seed(_ namespace: Int, _ kind: UInt8) -> UInt64 {
        var h = fnvOffset
        h = (h ^ UInt64(namespace &+ 1)) &* fnvPrime
        h = (h ^ UInt64(kind)) &* fnvPrime
        return h
    }

    @inline(__always) static func mix(_ h: UInt64, _ bytes: String.UTF8View) -> UInt64 {
        var h = h
        for b in bytes { h = (h ^ UInt64(b)) &* fnvPrime }
        return h
    }

    /// Mixes the UTF-8 bytes of one scalar (what `String(scalar).utf8` would give, without a String).
    @inline(__always) static func mix(_ h: UInt64, _ s: Unicode.Scalar) -> UInt64 {
        let v = s.value
        var h = h
        if v < 0x80 { return (h ^ UInt64(v)) &* fnvPrime }
        if v < 0x800 {
            h = (h ^ UInt64(0xC0 | (v >> 6))) &* fnvPrime
        } else if v < 0x10000 {
            h = (h ^ UInt64(0xE0 | (v >> 12))) &* fnvPrime
            h = (h ^ UInt64(0x80 | ((v >> 6) & 0x3F))) &* fnvPrime
        } else {
            h = (h ^ UInt64(0xF0 | (v >> 18))) &* fnvPrime
            h = (h ^ UInt64(0x80 | ((v >> 12) & 0x3F))) &* fnvPrime
            h = (h ^ UInt64(0x80 | ((v >> 6) & 0x3F))) &* fnvPrime
        }
        return (h ^ UInt64(0x80 | (v & 0x3F))) &* fnvPrime
    }

    @inline(__always) func id(_ h: UInt64) -> UInt32 {
        // Fold the high bits in: FNV's low bits alone are weak.
        UInt32(truncatingIfNeeded: (h ^ (h >> 29) ^ (h >> 41))) & mask
    }

    /// The id of a word n-gram string as `Tokenizer.ngrams` writes it (used by tests).
    func wordID(_ gram: String, namespace: Int) -> UInt32 { id(TextHasher.mix(TextHasher.seed(namespace, 1), gram.utf8)) }
    /// The id of a character n-gram string as `Tokenizer.characterNGrams` writes it (used by tests).
    func charID(_ gram: String, namespace: Int) -> UInt32 { id(TextHasher.mix(TextHasher.seed(namespace, 2), gram.utf8)) }

    /// Hashes the configured views of `text` (and `task`, when configured) into `raw`.
    func extract(_ text: RecordText, task: String?, into raw: inout RawText) {
        raw.ids.removeAll(keepingCapacity: true)
        raw.counts.removeAll(keepingCapacity: true)
        raw.ends.removeAll(keepingCapacity: true)
        var scratch: [UInt32] = [], chars: [UInt32] = [], higher: [UInt32] = []
        var tokens = TokenBuffer()
        for (ns, view) in config.views.enumerated() {
            scratch.removeAll(keepingCapacity: true)
            chars.removeAll(keepingCapacity: true)
            higher.removeAll(keepingCapacity: true)
            tokens.tokenize(text[view])
            hashTokens(tokens, namespace: ns, into: &scratch, chars: &chars, higher: &higher)
            appendCounted(&scratch, to: &raw)
            appendCounted(&chars, to: &raw)
            appendCounted(&higher, to: &raw)
        }
        if config.taskFeature {
            scratch.removeAll(keepingCapacity: true)
            if let task { scratch.append(id(TextHasher.mix(TextHasher.seed(config.views.count, 3), task.utf8))) }
            appendCounted(&scratch, to: &raw)
        }
    }

    /// Hashes `Tokenizer.tokens`-style tokens (tests and tools; the stream uses `TokenBuffer`).
    func hashTokens(_ tokens: [String], namespace ns: Int, into out: inout [UInt32]) {
        var buffer = TokenBuffer()
        buffer.tokenize(tokens.joined(separator: "\u{1}"))
        hashTokens(buffer, namespace: ns, into: &out)
    }

    func hashTokens(_ t: TokenBuffer, namespace ns: Int, into out: inout [UInt32]) {
        var chars: [UInt32] = [], higher: [UInt32] = []
        hashTokens(t, namespace: ns, into: &out, chars: &chars, higher: &higher)
        out += chars
        out += higher
    }

    /// Word unigrams into `out`, character n-grams into `chars`, word n-grams of order ≥ 2 into `higher`.
    func hashTokens(_ t: TokenBuffer, namespace ns: Int, into out: inout [UInt32], chars: inout [UInt32], higher: inout [UInt32]) {
        let wordSeed = TextHasher.seed(ns, 1), charSeed = TextHasher.seed(ns, 2)
        let n = t.count
        if n == 0 { return }
        t.bytes.withUnsafeBufferPointer { bytes in
            for i in 0..<n {
                // Word n-grams starting at i, as Tokenizer.ngrams joins them.
                var h = wordSeed
                for b in bytes[t.byteStart[i]..<t.byteStart[i + 1]] { h = (h ^ UInt64(b)) &* TextHasher.fnvPrime }
                out.append(id(h))
                var j = i + 1
                while j < n && j - i < config.wordNgrams {
                    if !t.cjk[j - 1] && !t.cjk[j] { h = (h ^ 0x20) &* TextHasher.fnvPrime }
                    for b in bytes[t.byteStart[j]..<t.byteStart[j + 1]] { h = (h ^ UInt64(b)) &* TextHasher.fnvPrime }
                    higher.append(id(h))
                    j += 1
                }
                // Character n-grams of `<word>`, as Tokenizer.characterNGrams; a single CJK
                // character is skipped (its n-grams would only repeat the token).
                if config.charMax > 0 && !t.cjk[i] && t.byteStart[i + 1] - t.byteStart[i] == t.scalarStart[i + 1] - t.scalarStart[i] {
                    // ASCII word: scalars are bytes; hash "<word>" byte ranges directly.
                    let lo = t.byteStart[i], len = t.byteStart[i + 1] - lo + 2
                    var g = config.charMin
                    while g <= config.charMax && g <= len {
                        for start in 0...(len - g) {
                            var h = charSeed
                            for k in start..<(start + g) {
                                let b: UInt8 = k == 0 ? 0x3C : (k == len - 1 ? 0x3E : bytes[lo + k - 1])
                                h = (h ^ UInt64(b)) &* TextHasher.fnvPrime
                            }
                            chars.append(id(h))
                        }
                        g += 1
                    }
                } else if config.charMax > 0 && !t.cjk[i] {
                    t.scalars.withUnsafeBufferPointer { sc in
                        let lo = t.scalarStart[i], hi = t.scalarStart[i + 1]
                        let len = hi - lo + 2
                        @inline(__always) func at(_ k: Int) -> Unicode.Scalar { k == 0 ? "<" : (k == len - 1 ? ">" : sc[lo + k - 1]) }
                        var g = config.charMin
                        while g <= config.charMax && g <= len {
                            for start in 0...(len - g) {
                                var h = charSeed
                                for k in start..<(start + g) { h = TextHasher.mix(h, at(k)) }
                                chars.append(id(h))
                            }
                            g += 1
                        }
                    }
                }
            }
        }
    }

    /// Sorts a[lo...hi]: quicksort (median of three) with insertion sort below 24 elements. The
    /// standard library's generic stable sort was a fifth of the cost of prediction here.
    static func sort(_ a: UnsafeMutablePointer<UInt32>, _ lo: Int, _ hi: Int) {
        var lo = lo, hi = hi
        while hi - lo >= 24 {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { swap(&a[mid], &a[lo]) }
            if a[hi] < a[lo] { swap(&a[hi], &a[lo]) }
            if a[hi] < a[mid] { swap(&a[hi], &a[mid]) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { let t = a[i]; a[i] = a[j]; a[j] = t; i += 1; j -= 1 }
            }
            // Recurse into the smaller side, loop on the larger: stack depth stays O(log n).
            if j - lo < hi - i { sort(a, lo, j); lo = i } else { sort(a, i, hi); hi = j }
        }
        if hi <= lo { return }
        for i in (lo + 1)...hi {
            let x = a[i]
            var j = i - 1
            while j >= lo && a[j] > x { a[j + 1] = a[j]; j -= 1 }
            a[j + 1] = x
        }
    }

    /// Tokenizer.ngrams puts a space between two tokens unless one side is CJK.
    @inline(__always) static func needsSpace(_ a: String, _ b: String) -> Bool {
        guard let x = a.unicodeScalars.last, let y = b.unicodeScalars.first else { return false }
        return !Tokenizer.isCJK(x) && !Tokenizer.isCJK(y)
    }

    /// Sorts one namespace's ids and appends them with their counts.
    func appendCounted(_ ids: inout [UInt32], to raw: inout RawText) {
        ids.withUnsafeMutableBufferPointer { TextHasher.sort($0.baseAddress!, 0, $0.count - 1) }
        var i = 0
        while i < ids.count {
            var j = i + 1
            while j < ids.count && ids[j] == ids[i] { j += 1 }
            raw.ids.append(ids[i])
            raw.counts.append(Float(j - i))
            i = j
        }
        raw.ends.append(raw.ids.count)
    }
}

/// The features a head was trained on: hashed ids seen in its training records, each with a row
/// of weights and an idf. Features never seen in training carry no weight and are left out (as
/// scikit-learn's vectorisers ignore out-of-vocabulary terms).
struct Vocabulary: Sendable {
    /// Sorted distinct ids; row r of the weights belongs to ids[r].
    let ids: [UInt32]
    let idf: [Float]
    /// Open-addressing table id → row (power-of-two size): the id in the low 32 bits, the row in
    /// the high ones, so a lookup touches one cache line; `empty` in the low bits marks a free slot.
    private let table: [UInt64]
    private let tableMask: Int
    static let empty = UInt32.max

    init(ids: [UInt32], idf: [Float]) {
        self.ids = ids
        self.idf = idf
        var size = 16
        while size < ids.count * 2 { size <<= 1 }
        var table = [UInt64](repeating: UInt64(Vocabulary.empty), count: size)
        for (r, id) in ids.enumerated() {
            var slot = Vocabulary.slot(id, size - 1)
            while UInt32(truncatingIfNeeded: table[slot]) != Vocabulary.empty { slot = (slot + 1) & (size - 1) }
            table[slot] = UInt64(UInt32(r)) << 32 | UInt64(id)
        }
        self.table = table
        self.tableMask = size - 1
    }

    @inline(__always) static func slot(_ id: UInt32, _ mask: Int) -> Int { Int((id &* 0x9E37_79B1) >> 7) & mask }

    /// The row of `id`, or -1 when the head never saw it.
    @inline(__always) func row(_ id: UInt32) -> Int32 {
        table.withUnsafeBufferPointer { t in
            var slot = Vocabulary.slot(id, tableMask)
            while true {
                let e = t[slot], k = UInt32(truncatingIfNeeded: e)
                if k == id { return Int32(truncatingIfNeeded: e >> 32) }
                if k == Vocabulary.empty { return -1 }
                slot = (slot + 1) & tableMask
            }
        }
    }

    /// The rows of `ids[0..<count]` the vocabulary has, in order, into `out` (replaced); ids it
    /// lacks are left out. The first probe of every id is loaded in one branch-free pass, so the
    /// cache misses of a record overlap instead of waiting one after another.
    func rows(of ids: [UInt32], count: Int, into out: inout [Int32], probes: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        if count == 0 { return }
        if probes.count < count { probes = [UInt64](repeating: 0, count: max(count, 2 * probes.count)) }
        let mask = tableMask
        table.withUnsafeBufferPointer { t in
            ids.withUnsafeBufferPointer { ids in
                probes.withUnsafeMutableBufferPointer { first in
                    for i in 0..<count { first[i] = t[Vocabulary.slot(ids[i], mask)] }
                    for i in 0..<count {
                        let id = ids[i], e = first[i], k = UInt32(truncatingIfNeeded: e)
                        if k == id { out.append(Int32(truncatingIfNeeded: e >> 32)); continue }
                        if k == Vocabulary.empty { continue }
                        let r = row(id)
                        if r >= 0 { out.append(r) }
                    }
                }
            }
        }
    }

    /// Builds the vocabulary of `records` with smoothed idf = ln((1 + n) / (1 + df)) + 1, from
    /// the namespaces `views` keeps (bit i: view i of `config.views`; the task namespace always).
    static func build(_ records: [RawText], config: FeatureConfig = FeatureConfig(), views: UInt32 = .max, higher: Bool = true, chars: Bool = true) -> Vocabulary {
        var all: [UInt32] = []
        var seen: [UInt32] = []
        for r in records {
            // An id can appear in two namespaces only by a hash collision; count it once per record.
            seen.removeAll(keepingCapacity: true)
            var start = 0
            for (segment, end) in r.ends.enumerated() {
                if config.keeps(segment: segment, views: views, higher: higher, chars: chars) { seen.append(contentsOf: r.ids[start..<end]) }
                start = end
            }
            seen.sort()
            var last: UInt32? = nil
            for id in seen where id != last { all.append(id); last = id }
        }
        all.sort()
        var ids: [UInt32] = [], df: [Int] = []
        var i = 0
        while i < all.count {
            var j = i + 1
            while j < all.count && all[j] == all[i] { j += 1 }
            ids.append(all[i]); df.append(j - i)
            i = j
        }
        let n = Float(records.count)
        let idf = df.map { Float(log((1 + Double(n)) / (1 + Double($0)))) + 1 }
        return Vocabulary(ids: ids, idf: idf)
    }

    /// The weighted sparse vector of one record: rows and values, each namespace L2-normalised;
    /// only the namespaces `views` keeps (the head's chosen views, see `Vocabulary.build`).
    /// `higher`: also word n-grams of order ≥ 2 (a head with word n-grams 1 leaves them out);
    /// `chars`: also character n-grams.
    func weigh(_ raw: RawText, config: FeatureConfig, views: UInt32 = .max, higher: Bool = true, chars: Bool = true,
               rows out: inout [Int32], values: inout [Float]) {
        out.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        var start = 0
        var segment = 0
        let per = FeatureConfig.segmentsPerView
        let viewSegments = per * config.views.count
        while segment < raw.ends.count {
            // A view's segments are one namespace, normalised together.
            let last = segment < viewSegments ? segment + per - 1 : segment
            let first = out.count
            var norm: Float = 0
            for seg in segment...last {
                let end = raw.ends[seg]
                defer { start = end }
                if !config.keeps(segment: seg, views: views, higher: higher, chars: chars) { continue }
                for k in start..<end {
                    let r = row(raw.ids[k])
                    if r < 0 { continue }
                    let tf = raw.counts[k]
                    var v = config.sublinear && tf > 1 ? 1 + logf(tf) : tf
                    if config.idf { v *= idf[Int(r)] }
                    out.append(r); values.append(v)
                    norm += v * v
                }
            }
            if norm > 0 {
                let inv = 1 / norm.squareRoot()
                for k in first..<values.count { values[k] *= inv }
            }
            segment = last + 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The tokens of one text, exactly as `Tokenizer.tokens` yields them (a test checks this on
/// random text), kept as UTF-8 bytes and scalars in reused buffers instead of one String each:
/// tokenising is most of the cost of prediction, and the Shared tokenizer allocates per scalar.
struct TokenBuffer {
    /// Normalised UTF-8 of all tokens, back to back; token i is bytes[byteStart[i]..<byteStart[i+1]].
    var bytes: [UInt8] = []
    var byteStart: [Int] = [0]
    /// Normalised scalars of all tokens; token i is scalars[scalarStart[i]..<scalarStart[i+1]].
    var scalars: [Unicode.Scalar] = []
    var scalarStart: [Int] = [0]
    /// Whether token i is a single CJK character.
    var cjk: [Bool] = []
    var count: Int { cjk.count }
    private var inWord = false
    private var mapped: [Unicode.Scalar] = []

    mutating func tokenize(_ text: String) {
        bytes.removeAll(keepingCapacity: true)
        byteStart.removeAll(keepingCapacity: true); byteStart.append(0)
        scalars.removeAll(keepingCapacity: true)
        scalarStart.removeAll(keepingCapacity: true); scalarStart.append(0)
        cjk.removeAll(keepingCapacity: true)
        inWord = false
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                // ASCII: letters (lower-cased) and digits build words; everything else separates.
                if v >= 0x61 && v <= 0x7A || v >= 0x30 && v <= 0x39 { wordScalar(s) }
                else if v >= 0x41 && v <= 0x5A { wordScalar(Unicode.Scalar(v + 32)!) }
                else { endWord() }
                continue
            }
            if v >= 0xFF01 && v <= 0xFF5E {
                let folded = Unicode.Scalar(v - 0xFEE0)!
                classify(folded.properties.isUppercase ? Unicode.Scalar(folded.value + 32)! : folded)
            } else if v == 0x3000 {
                endWord()
            } else if s.properties.changesWhenLowercased {
                mapped.removeAll(keepingCapacity: true)
                mapped.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                for t in mapped { classify(t) }
            } else {
                classify(s)
            }
        }
        endWord()
    }

    @inline(__always) private mutating func classify(_ t: Unicode.Scalar) {
        if Tokenizer.isCJK(t) {
            endWord()
            append(t)
            close(cjk: true)
        } else if TokenBuffer.isWordScalar(t) {
            wordScalar(t)
        } else {
            endWord()
        }
    }

    @inline(__always) static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) }
        return s.properties.isAlphabetic || s.properties.numericType != nil
    }

    @inline(__always) private mutating func wordScalar(_ t: Unicode.Scalar) { append(t); inWord = true }

    @inline(__always) private mutating func endWord() { if inWord { close(cjk: false) } }

    @inline(__always) private mutating func close(cjk isCJK: Bool) {
        byteStart.append(bytes.count)
        scalarStart.append(scalars.count)
        cjk.append(isCJK)
        inWord = false
    }

    @inline(__always) private mutating func append(_ t: Unicode.Scalar) {
        scalars.append(t)
        let v = t.value
        if v < 0x80 { bytes.append(UInt8(v)) }
        else if v < 0x800 { bytes.append(UInt8(0xC0 | (v >> 6))); bytes.append(UInt8(0x80 | (v & 0x3F))) }
        else if v < 0x10000 {
            bytes.append(UInt8(0xE0 | (v >> 12))); bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F))); bytes.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            bytes.append(UInt8(0xF0 | (v >> 18))); bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F))); bytes.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// The tokens as Strings (tests).
    var strings: [String] {
        (0..<count).map { String(decoding: bytes[byteStart[$0]..<byteStart[$0 + 1]], as: UTF8.self) }
    }
}
