import Shared
#if canImport(Glibc)
import Glibc
#endif

/// The weighted sparse vector of one record for one head, built the way prediction needs it.
///
/// Gives exactly the rows and values of `TextHasher.extract` followed by `Vocabulary.weigh` (same
/// ids, same order, same float operations, so the same probabilities to the last bit; a test
/// checks it on random text), for a fraction of the cost:
/// - only the views the head reads are tokenised and hashed;
/// - tokens are byte ranges of the view's normalised UTF-8 (`Tokenizer.normalizedUTF8`), not copies;
/// - a character n-gram's hash extends the hash of the gram one shorter at the same start (FNV is
///   sequential), so each start hashes `charMax` bytes instead of `charMin + ... + charMax`;
/// - each id is looked up in the head's vocabulary as it is made and only the rows found are sorted:
///   rows ascend with ids (the vocabulary is sorted), and rows are small integers, so a radix sort
///   replaces the quicksort of every id (which mispredicted a branch per comparison).
///
/// Training and cross-validation keep `RawText` (one extraction serves every head and fold).
struct Featuriser {
    let config: FeatureConfig
    let hasher: TextHasher
    /// The weighted vector of the last `weigh`: rows of the head's vocabulary and their values.
    private(set) var rows: [Int32] = []
    private(set) var values: [Float] = []
    private var text: [UInt8] = []
    /// Token i is text[tokenStart[i]..<tokenEnd[i]]; kind bit 0: a CJK character, bit 1: not ASCII.
    private var tokenStart: [Int] = []
    private var tokenEnd: [Int] = []
    private var tokenKind: [UInt8] = []
    /// Ids of one namespace: word unigrams; character n-grams; word n-grams of order ≥ 2.
    private var lowerIds: [UInt32] = []
    private var charIds: [UInt32] = []
    private var higherIds: [UInt32] = []
    private var lowerCount = 0, charCount = 0, higherCount = 0
    /// Rows of those ids found in the vocabulary, and the first probe of each lookup.
    private var lower: [Int32] = []
    private var chars: [Int32] = []
    private var higher: [Int32] = []
    private var probes: [UInt64] = []
    private var sortScratch: [Int32] = []
    /// Byte offsets of the scalars of one non-ASCII word, plus its end.
    private var scalarOffsets: [Int] = []

    init(_ config: FeatureConfig) {
        self.config = config
        self.hasher = TextHasher(config)
    }

    /// Builds the head's weighted vector from the record's text views and task into `rows`/`values`.
    mutating func weigh(_ text: RecordText, task: String?, head: Head) {
        rows.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        for (ns, view) in config.views.enumerated() where config.keeps(namespace: ns, views: head.views) {
            // Moved out of `self` while `addView` (mutating) reads it; the buffer is reused.
            var buffer: [UInt8] = []
            swap(&buffer, &self.text)
            Tokenizer.normalizedUTF8(text[view], into: &buffer)
            buffer.withUnsafeBufferPointer { addView(namespace: ns, normalized: $0, head: head) }
            swap(&buffer, &self.text)
        }
        addTask(task, head: head)
    }

    /// Starts a vector to be built namespace by namespace (`addView`, then `addTask`).
    mutating func begin() {
        rows.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// Adds namespace `ns` (view `config.views[ns]`, which the head must read) from the view's
    /// text already normalised (`Tokenizer.normalizedUTF8`): a caller that has those bytes
    /// straight from the record skips building the view's String.
    mutating func addView(namespace ns: Int, normalized bytes: UnsafeBufferPointer<UInt8>, head: Head) {
        tokenize(bytes)
        hash(bytes, namespace: ns, higherToo: head.higher, charsToo: head.chars)
        head.vocabulary.rows(of: lowerIds, count: lowerCount, into: &lower, probes: &probes)
        if head.chars { head.vocabulary.rows(of: charIds, count: charCount, into: &chars, probes: &probes) }
        if head.higher { head.vocabulary.rows(of: higherIds, count: higherCount, into: &higher, probes: &probes) }
        let first = rows.count
        var norm: Float = 0
        Featuriser.appendCounted(&lower, &sortScratch, &rows, &values, config: config, head: head, norm: &norm)
        if head.chars { Featuriser.appendCounted(&chars, &sortScratch, &rows, &values, config: config, head: head, norm: &norm) }
        if head.higher { Featuriser.appendCounted(&higher, &sortScratch, &rows, &values, config: config, head: head, norm: &norm) }
        normalise(from: first, norm: norm)
    }

    /// Adds the task namespace when the model has one (`--joint`); a no-op otherwise.
    mutating func addTask(_ task: String?, head: Head) {
        guard config.taskFeature else { return }
        lower.removeAll(keepingCapacity: true)
        if let task {
            let r = head.vocabulary.row(hasher.id(TextHasher.mix(TextHasher.seed(config.views.count, 3), task.utf8)))
            if r >= 0 { lower.append(r) }
        }
        let first = rows.count
        var norm: Float = 0
        Featuriser.appendCounted(&lower, &sortScratch, &rows, &values, config: config, head: head, norm: &norm)
        normalise(from: first, norm: norm)
    }

    @inline(__always) private mutating func normalise(from first: Int, norm: Float) {
        guard norm > 0 else { return }
        let inv = 1 / norm.squareRoot()
        for k in first..<values.count { values[k] *= inv }
    }

    /// Sorts `found` and appends each distinct row with its weight, as `Vocabulary.weigh` does.
    @inline(__always) private static func appendCounted(_ found: inout [Int32], _ sortScratch: inout [Int32], _ rows: inout [Int32], _ values: inout [Float],
                                                       config: FeatureConfig, head: Head, norm: inout Float) {
        let n = found.count
        if n == 0 { return }
        Featuriser.sort(&found, scratch: &sortScratch, bound: head.vocabulary.ids.count)
        let idf = head.vocabulary.idf
        found.withUnsafeBufferPointer { f in
            var i = 0
            while i < n {
                let r = f[i]
                var j = i + 1
                while j < n && f[j] == r { j += 1 }
                let tf = Float(j - i)
                var v = config.sublinear && tf > 1 ? 1 + logf(tf) : tf
                if config.idf { v *= idf[Int(r)] }
                rows.append(r); values.append(v)
                norm += v * v
                i = j
            }
        }
    }

    // MARK: Tokens

    /// Splits normalised UTF-8 into tokens as `Tokenizer.tokens` does: runs of letters and
    /// digits, and each CJK character alone; anything else separates.
    private mutating func tokenize(_ b: UnsafeBufferPointer<UInt8>) {
        tokenStart.removeAll(keepingCapacity: true)
        tokenEnd.removeAll(keepingCapacity: true)
        tokenKind.removeAll(keepingCapacity: true)
        let n = b.count
        var i = 0
        var start = -1
        var kind: UInt8 = 0
        while i < n {
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

    /// Hashes the tokens' n-grams: word unigrams into `lowerIds`, character n-grams into
    /// `charIds` and word n-grams of order ≥ 2 into `higherIds` (when the head reads them). The
    /// same ids as `TextHasher.hashTokens`, in another order (their rows are sorted afterwards).
    private mutating func hash(_ b: UnsafeBufferPointer<UInt8>, namespace ns: Int, higherToo: Bool, charsToo: Bool) {
        lowerCount = 0; charCount = 0; higherCount = 0
        let count = tokenKind.count
        if count == 0 { return }
        let maxOrder = higherToo ? config.wordNgrams : 1
        let charMin = config.charMin, charMax = charsToo ? config.charMax : 0
        // Bounds: per token one unigram and maxOrder - 1 higher n-grams; per start of "<word>"
        // at most charMax - charMin + 1 character n-grams.
        let lowerBound = count
        let charBound = charMax > 0 ? (b.count + 2 * count) * (charMax - charMin + 1) : 0
        let higherBound = count * max(0, maxOrder - 1)
        if lowerIds.count < lowerBound { lowerIds = [UInt32](repeating: 0, count: max(lowerBound, 2 * lowerIds.count)) }
        if charIds.count < charBound { charIds = [UInt32](repeating: 0, count: max(charBound, 2 * charIds.count)) }
        if higherIds.count < higherBound { higherIds = [UInt32](repeating: 0, count: max(higherBound, 2 * higherIds.count)) }
        let prime = TextHasher.fnvPrime
        let wordSeed = TextHasher.seed(ns, 1), charSeed = TextHasher.seed(ns, 2)
        let hasher = self.hasher
        var nLower = 0, nChars = 0, nHigher = 0
        tokenStart.withUnsafeBufferPointer { tokenStart in
        tokenEnd.withUnsafeBufferPointer { tokenEnd in
        tokenKind.withUnsafeBufferPointer { tokenKind in
        lowerIds.withUnsafeMutableBufferPointer { lowerOut in
        charIds.withUnsafeMutableBufferPointer { charOut in
        higherIds.withUnsafeMutableBufferPointer { higherOut in
        scalarOffsets.removeAll(keepingCapacity: true)
        for i in 0..<count {
            var h = wordSeed
            for k in tokenStart[i]..<tokenEnd[i] { h = (h ^ UInt64(b[k])) &* prime }
            lowerOut[nLower] = hasher.id(h); nLower += 1
            var j = i + 1
            while j < count && j - i < maxOrder {
                if tokenKind[j - 1] & 1 == 0 && tokenKind[j] & 1 == 0 { h = (h ^ 0x20) &* prime }
                for k in tokenStart[j]..<tokenEnd[j] { h = (h ^ UInt64(b[k])) &* prime }
                higherOut[nHigher] = hasher.id(h); nHigher += 1
                j += 1
            }
            if charMax == 0 || tokenKind[i] & 1 != 0 { continue }
            // Character n-grams of "<word>": symbol 0 is "<", the last ">", the rest the word's
            // scalars (their UTF-8 bytes, as `TextHasher.mix` hashes a scalar).
            let lo = tokenStart[i], hi = tokenEnd[i]
            if tokenKind[i] & 2 == 0 {
                let len = hi - lo + 2
                for s in 0..<len {
                    var h = charSeed
                    let last = min(len, s + charMax)
                    var e = s
                    while e < last {
                        let c: UInt8 = e == 0 ? 0x3C : (e == len - 1 ? 0x3E : b[lo + e - 1])
                        h = (h ^ UInt64(c)) &* prime
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
                        if e == 0 { h = (h ^ 0x3C) &* prime } else if e == len - 1 { h = (h ^ 0x3E) &* prime } else {
                            for q in scalarOffsets[e - 1]..<scalarOffsets[e] { h = (h ^ UInt64(b[q])) &* prime }
                        }
                        e += 1
                        if e - s >= charMin { charOut[nChars] = hasher.id(h); nChars += 1 }
                    }
                }
            }
        }
        }}}}}}
        lowerCount = nLower; charCount = nChars; higherCount = nHigher
    }

    // MARK: Sorting

    /// Sorts rows in [0, bound): insertion sort when few, else an LSD radix sort on bytes with as
    /// many passes as `bound` needs (two for a vocabulary under 65,536 rows). Branch-free passes
    /// beat comparison sorts on these random keys.
    static func sort(_ a: inout [Int32], scratch: inout [Int32], bound: Int) {
        let n = a.count
        if n < 2 { return }
        if n <= 32 {
            a.withUnsafeMutableBufferPointer { p in
                for i in 1..<n {
                    let x = p[i]
                    var j = i - 1
                    while j >= 0 && p[j] > x { p[j + 1] = p[j]; j -= 1 }
                    p[j + 1] = x
                }
            }
            return
        }
        if scratch.count < n { scratch = [Int32](repeating: 0, count: max(n, 2 * scratch.count)) }
        var bits = 0
        while bits < 31 && (1 << bits) < bound { bits += 1 }
        let passes = max(1, (bits + 7) / 8)
        var inA = true
        a.withUnsafeMutableBufferPointer { pa in
            scratch.withUnsafeMutableBufferPointer { pb in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { count in
                    for pass in 0..<passes {
                        let shift = Int32(8 * pass)
                        let src = inA ? pa.baseAddress! : pb.baseAddress!
                        let dst = inA ? pb.baseAddress! : pa.baseAddress!
                        for d in 0..<256 { count[d] = 0 }
                        for i in 0..<n { count[Int((src[i] >> shift) & 0xFF)] += 1 }
                        var sum = 0
                        for d in 0..<256 { let c = count[d]; count[d] = sum; sum += c }
                        for i in 0..<n {
                            let x = src[i], d = Int((x >> shift) & 0xFF)
                            dst[count[d]] = x
                            count[d] += 1
                        }
                        inA.toggle()
                    }
                    if !inA { pa.baseAddress!.update(from: pb.baseAddress!, count: n) }
                }
            }
        }
    }
}
