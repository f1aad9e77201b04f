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
    /// Scale of the standardised image block relative to the unit-length text namespaces.
    var imageWeight: Float = 1
    /// Add the record's task as a feature (joint mode: one head must tell the tasks apart).
    var taskFeature = false
}

/// The hashed, counted text features of one record before weighting: ids sorted within each
/// namespace, with their counts. Independent of any head, so a record is tokenised once.
struct RawText {
    var ids: [UInt32] = []
    var counts: [Float] = []
    /// End index (exclusive) in `ids` of each namespace, in the order of `FeatureConfig.views` (+ task).
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
        var scratch: [UInt32] = []
        for (ns, view) in config.views.enumerated() {
            scratch.removeAll(keepingCapacity: true)
            let tokens = Tokenizer.tokens(text[view])
            hashTokens(tokens, namespace: ns, into: &scratch)
            appendCounted(&scratch, to: &raw)
        }
        if config.taskFeature {
            scratch.removeAll(keepingCapacity: true)
            if let task { scratch.append(id(TextHasher.mix(TextHasher.seed(config.views.count, 3), task.utf8))) }
            appendCounted(&scratch, to: &raw)
        }
    }

    func hashTokens(_ tokens: [String], namespace ns: Int, into out: inout [UInt32]) {
        let wordSeed = TextHasher.seed(ns, 1), charSeed = TextHasher.seed(ns, 2)
        let n = tokens.count
        if n == 0 { return }
        for i in 0..<n {
            // Word n-grams starting at i, as Tokenizer.ngrams joins them.
            var h = TextHasher.mix(wordSeed, tokens[i].utf8)
            out.append(id(h))
            var j = i + 1
            while j < n && j - i < config.wordNgrams {
                if TextHasher.needsSpace(tokens[j - 1], tokens[j]) { h = (h ^ 0x20) &* TextHasher.fnvPrime }
                h = TextHasher.mix(h, tokens[j].utf8)
                out.append(id(h))
                j += 1
            }
            if config.charMax > 0 { hashCharGrams(tokens[i], seed: charSeed, into: &out) }
        }
    }

    /// Character n-grams of `<word>` for n in charMin...charMax, as Tokenizer.characterNGrams.
    /// Single CJK characters are skipped: their n-grams would only repeat the token.
    func hashCharGrams(_ word: String, seed: UInt64, into out: inout [UInt32]) {
        var scalars: [Unicode.Scalar] = ["<"]
        scalars.append(contentsOf: word.unicodeScalars)
        scalars.append(">")
        if scalars.count == 3 && Tokenizer.isCJK(scalars[1]) { return }
        let len = scalars.count
        var n = config.charMin
        while n <= config.charMax && n <= len {
            for start in 0...(len - n) {
                var h = seed
                for k in start..<(start + n) { h = TextHasher.mix(h, scalars[k]) }
                out.append(id(h))
            }
            n += 1
        }
    }

    /// Tokenizer.ngrams puts a space between two tokens unless one side is CJK.
    @inline(__always) static func needsSpace(_ a: String, _ b: String) -> Bool {
        guard let x = a.unicodeScalars.last, let y = b.unicodeScalars.first else { return false }
        return !Tokenizer.isCJK(x) && !Tokenizer.isCJK(y)
    }

    /// Sorts one namespace's ids and appends them with their counts.
    func appendCounted(_ ids: inout [UInt32], to raw: inout RawText) {
        ids.sort()
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
    /// Open-addressing table id → row (power-of-two size, `empty` marks a free slot).
    private let keys: [UInt32]
    private let rows: [Int32]
    private let tableMask: Int
    static let empty = UInt32.max

    init(ids: [UInt32], idf: [Float]) {
        self.ids = ids
        self.idf = idf
        var size = 16
        while size < ids.count * 2 { size <<= 1 }
        var keys = [UInt32](repeating: Vocabulary.empty, count: size)
        var rows = [Int32](repeating: -1, count: size)
        for (r, id) in ids.enumerated() {
            var slot = Vocabulary.slot(id, size - 1)
            while keys[slot] != Vocabulary.empty { slot = (slot + 1) & (size - 1) }
            keys[slot] = id
            rows[slot] = Int32(r)
        }
        self.keys = keys
        self.rows = rows
        self.tableMask = size - 1
    }

    @inline(__always) static func slot(_ id: UInt32, _ mask: Int) -> Int { Int((id &* 0x9E37_79B1) >> 7) & mask }

    /// The row of `id`, or -1 when the head never saw it.
    @inline(__always) func row(_ id: UInt32) -> Int32 {
        var slot = Vocabulary.slot(id, tableMask)
        while true {
            let k = keys[slot]
            if k == id { return rows[slot] }
            if k == Vocabulary.empty { return -1 }
            slot = (slot + 1) & tableMask
        }
    }

    /// Builds the vocabulary of `records` with smoothed idf = ln((1 + n) / (1 + df)) + 1.
    static func build(_ records: [RawText]) -> Vocabulary {
        var all: [UInt32] = []
        for r in records {
            // An id can appear in two namespaces only by a hash collision; count it once per record.
            var seen = r.ids
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

    /// The weighted sparse vector of one record: rows and values, each namespace L2-normalised.
    func weigh(_ raw: RawText, config: FeatureConfig, rows out: inout [Int32], values: inout [Float]) {
        out.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        var start = 0
        for end in raw.ends {
            let first = out.count
            var norm: Float = 0
            for k in start..<end {
                let r = row(raw.ids[k])
                if r < 0 { continue }
                let tf = raw.counts[k]
                var v = config.sublinear ? 1 + logf(tf) : tf
                if config.idf { v *= idf[Int(r)] }
                out.append(r); values.append(v)
                norm += v * v
            }
            if norm > 0 {
                let inv = 1 / norm.squareRoot()
                for k in first..<values.count { values[k] *= inv }
            }
            start = end
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
