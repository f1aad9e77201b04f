import JSONLines
import TextViews
#if canImport(Glibc)
import Glibc
#endif

/// The weighted sparse vector of one record for one head, built the way prediction needs it.
///
/// Gives exactly the rows and values of `TextHasher.extract` followed by `Vocabulary.weigh` (same
/// rows, same order, same float operations, so the same probabilities to the last bit; a test
/// checks it on random records), for a fraction of the cost:
/// - only the views the head reads are tokenised and hashed (by the same `ViewHasher` as training);
/// - each id is looked up in the head's vocabulary as it is made and only the rows found are
///   sorted: rows ascend with ids (the vocabulary is sorted), and rows are small integers, so a
///   radix sort replaces the quicksort of every id (which mispredicted a branch per comparison);
/// - a view is tokenised and hashed `tokensPerChunk` tokens at a time, and once a view has found
///   `rowsBeforeCounting` rows they are counted in one counter per vocabulary row instead of
///   kept: memory follows the vocabulary, not the length of the text (a 47 MB line costs a few
///   times its size, where holding every n-gram's id cost 30 bytes per byte), while the short
///   records of everyday use keep the sort, which is faster than scattered counters.
///
/// Training and cross-validation keep `RawText` (one extraction serves every head and fold).
struct Featuriser {
    let config: FeatureConfig
    let hasher: TextHasher
    /// The weighted vector of the last `weigh`: rows of the head's vocabulary and their values.
    private(set) var rows: [Int32] = []
    private(set) var values: [Float] = []
    private var view: ViewHasher
    /// The rows found in one view, by kind (word unigrams; character n-grams; word n-grams of
    /// order ≥ 2): each kind is weighed on its own, as `Vocabulary.weigh` does.
    private var lower = RowCounts()
    private var chars = RowCounts()
    private var higher = RowCounts()
    /// The first probe of each vocabulary lookup.
    private var probes: [UInt64] = []
    private var sortScratch: [Int32] = []

    /// Tokens hashed at a time: long enough that the per-chunk work is amortised, short enough
    /// that the id lists of a chunk stay in cache. Any value ≥ 1 gives the same vector (tests
    /// use tiny ones to cross chunk boundaries everywhere).
    var tokensPerChunk = 4096
    /// Rows of one kind kept for the sort before they are counted instead (256 KiB of them).
    /// Any value gives the same vector (tests use tiny ones).
    var rowsBeforeCounting = 65_536

    init(_ config: FeatureConfig) {
        self.config = config
        self.hasher = TextHasher(config)
        self.view = ViewHasher(hasher)
    }

    /// Builds the head's weighted vector into `rows`/`values` from the record's task and its
    /// views in `text`, which must hold (`TextBytes.load`) every view the head reads.
    mutating func weigh(_ text: TextBytes, task: String?, head: Head) {
        rows.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        for (ns, field) in config.views.enumerated() where config.keeps(namespace: ns, views: head.views) {
            text.withView(field) { addView(namespace: ns, normalized: $0, head: head) }
        }
        addTask(task, head: head)
    }

    /// Adds namespace `ns` (view `config.views[ns]`, which the head must read) from the view's
    /// normalised UTF-8.
    private mutating func addView(namespace ns: Int, normalized bytes: UnsafeBufferPointer<UInt8>, head: Head) {
        let lines = config.views[ns].tokenizesByLine
        let wordOrder = head.higher ? config.wordNgrams : 1
        // A chunk's tokens, the next wordOrder - 1 (its last word n-grams reach into them) and one
        // more (there is a next chunk only if it exists).
        let chunk = tokensPerChunk, limit = chunk + wordOrder
        var from = 0
        while true {
            view.tokenize(bytes, from: from, limit: limit, lines: lines)
            let more = view.tokenCount >= limit
            let hashed = more ? chunk : view.tokenCount
            view.hash(bytes, tokens: 0..<hashed, namespace: ns, wordOrder: wordOrder, characters: head.chars, lines: lines)
            let spill = rowsBeforeCounting
            Featuriser.find(view.unigrams, into: &lower, head: head, spillAt: spill, probes: &probes)
            if head.chars { Featuriser.find(view.characterNgrams, into: &chars, head: head, spillAt: spill, probes: &probes) }
            if head.higher { Featuriser.find(view.higherNgrams, into: &higher, head: head, spillAt: spill, probes: &probes) }
            if !more { break }
            from = view.tokenStart(chunk)
        }
        let first = rows.count
        var norm: Float = 0
        Featuriser.appendCounted(&lower, &rows, &values, &sortScratch, config: config, head: head, norm: &norm)
        if head.chars { Featuriser.appendCounted(&chars, &rows, &values, &sortScratch, config: config, head: head, norm: &norm) }
        if head.higher { Featuriser.appendCounted(&higher, &rows, &values, &sortScratch, config: config, head: head, norm: &norm) }
        normalise(from: first, norm: norm)
    }

    /// Looks `ids` up in the head's vocabulary and adds the rows found to `found`, counting
    /// them once more than `spillAt` are kept.
    private static func find(_ ids: ViewHasher.IDs, into found: inout RowCounts, head: Head, spillAt: Int, probes: inout [UInt64]) {
        head.vocabulary.rows(of: ids.ids, count: ids.count, appendingTo: &found.kept, probes: &probes)
        if found.kept.count > spillAt { found.count(rows: head.vocabulary.ids.count) }
    }

    /// Adds the task namespace when the model has one (`--joint`); a no-op otherwise.
    private mutating func addTask(_ task: String?, head: Head) {
        guard config.taskFeature else { return }
        if let task {
            let r = head.vocabulary.row(hasher.taskID(task))
            if r >= 0 { lower.kept.append(r) }
        }
        let first = rows.count
        var norm: Float = 0
        Featuriser.appendCounted(&lower, &rows, &values, &sortScratch, config: config, head: head, norm: &norm)
        normalise(from: first, norm: norm)
    }

    @inline(__always) private mutating func normalise(from first: Int, norm: Float) {
        guard norm > 0 else { return }
        let inv = 1 / norm.squareRoot()
        for k in first..<values.count { values[k] *= inv }
    }

    /// Appends each distinct row of `found`, ascending, with its weight, as `Vocabulary.weigh`
    /// does, and empties `found` for the next view.
    private static func appendCounted(_ found: inout RowCounts, _ rows: inout [Int32], _ values: inout [Float], _ sortScratch: inout [Int32],
                                      config: FeatureConfig, head: Head, norm: inout Float) {
        let bound = head.vocabulary.ids.count
        let idf = head.vocabulary.idf
        @inline(__always) func append(_ r: Int32, _ count: Int) {
            let tf = Float(count)
            var v = config.sublinear && tf > 1 ? 1 + logf(tf) : tf
            if config.idf { v *= idf[Int(r)] }
            rows.append(r); values.append(v)
            norm += v * v
        }
        if found.touched.isEmpty {
            // Never counted: sort the rows kept and take each run.
            let n = found.kept.count
            if n == 0 { return }
            Featuriser.sort(&found.kept, scratch: &sortScratch, bound: bound)
            found.kept.withUnsafeBufferPointer { f in
                var i = 0
                while i < n {
                    let r = f[i]
                    var j = i + 1
                    while j < n && f[j] == r { j += 1 }
                    append(r, j - i)
                    i = j
                }
            }
            found.kept.removeAll(keepingCapacity: true)
            return
        }
        found.count(rows: bound)
        Featuriser.sort(&found.touched, scratch: &sortScratch, bound: bound)
        for r in found.touched { append(r, found.take(r)) }
        found.touched.removeAll(keepingCapacity: true)
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

/// The rows of a vocabulary found in one view: kept as found (with repeats) while few, then
/// counted, one counter per row, with the rows counted in `touched` (in the order first counted).
/// Every counter is zero between views: `take` resets the one it reads.
struct RowCounts {
    /// Rows found and not yet counted.
    var kept: [Int32] = []
    var touched: [Int32] = []
    private var counts: [Int] = []

    /// Moves the kept rows (all below `rows`) into the counters.
    mutating func count(rows n: Int) {
        if counts.count < n { counts += [Int](repeating: 0, count: n - counts.count) }
        counts.withUnsafeMutableBufferPointer { c in
            for r in kept {
                let i = Int(r)
                if c[i] == 0 { touched.append(r) }
                c[i] += 1
            }
        }
        kept.removeAll(keepingCapacity: true)
    }

    /// The count of row `r`, which is reset to zero.
    mutating func take(_ r: Int32) -> Int {
        defer { counts[Int(r)] = 0 }
        return counts[Int(r)]
    }
}
