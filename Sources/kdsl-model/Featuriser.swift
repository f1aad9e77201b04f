import Shared
#if canImport(Glibc)
import Glibc
#endif

/// The weighted sparse vector of one record for one head, built the way prediction needs it.
///
/// Gives exactly the rows and values of `TextHasher.extract` followed by `Vocabulary.weigh` (same
/// ids, same order, same float operations, so the same probabilities to the last bit; a test
/// checks it on random records), for a fraction of the cost:
/// - only the views the head reads are tokenised and hashed (by the same `ViewHasher` as training);
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
    private var view: ViewHasher
    /// Rows of one namespace's ids found in the vocabulary (word unigrams; character n-grams;
    /// word n-grams of order ≥ 2), and the first probe of each lookup.
    private var lower: [Int32] = []
    private var chars: [Int32] = []
    private var higher: [Int32] = []
    private var probes: [UInt64] = []
    private var sortScratch: [Int32] = []

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
        view.hash(bytes, namespace: ns, wordOrder: head.higher ? config.wordNgrams : 1, characters: head.chars,
                  lines: config.views[ns].tokenizesByLine)
        head.vocabulary.rows(of: view.unigrams.ids, count: view.unigrams.count, into: &lower, probes: &probes)
        if head.chars { head.vocabulary.rows(of: view.characterNgrams.ids, count: view.characterNgrams.count, into: &chars, probes: &probes) }
        if head.higher { head.vocabulary.rows(of: view.higherNgrams.ids, count: view.higherNgrams.count, into: &higher, probes: &probes) }
        let first = rows.count
        var norm: Float = 0
        Featuriser.appendCounted(&lower, &sortScratch, &rows, &values, config: config, head: head, norm: &norm)
        if head.chars { Featuriser.appendCounted(&chars, &sortScratch, &rows, &values, config: config, head: head, norm: &norm) }
        if head.higher { Featuriser.appendCounted(&higher, &sortScratch, &rows, &values, config: config, head: head, norm: &norm) }
        normalise(from: first, norm: norm)
    }

    /// Adds the task namespace when the model has one (`--joint`); a no-op otherwise.
    private mutating func addTask(_ task: String?, head: Head) {
        guard config.taskFeature else { return }
        lower.removeAll(keepingCapacity: true)
        if let task {
            let r = head.vocabulary.row(hasher.taskID(task))
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
