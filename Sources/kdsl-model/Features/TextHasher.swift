import JSONLines
import TextViews
#if canImport(Glibc)
import Glibc
#endif

/// How text and images become features; stored in the model file so that predict sees records
/// exactly as train did.
struct FeatureConfig: Equatable, Sendable {
    /// Text views (TextViews' `RecordText`), each its own namespace.
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
    /// Append the layout summary (`ScreenLayout.features`, from `ocr.images[i].lines`) to the image
    /// block, as its own standardisation group.
    var layout = false
    /// Norm of the standardised image block next to the unit-length text namespaces; negative:
    /// chosen per head by inner cross-validation (`--image-weight auto`).
    var imageWeight: Float = -1
    /// Add the record's task as a feature (joint mode: one head must tell the tasks apart).
    var taskFeature = false

    /// Whether records have a dense block (image features, the layout summary, or both).
    var hasDense: Bool { images || layout }

    /// Length of the dense block: the image features when `images`, then the layout summary when `layout`.
    var denseCount: Int { (images ? ImageFeatures.count : 0) + (layout ? ScreenLayout.featureNames.count : 0) }

    /// The dense block's standardisation groups (each gets an equal share of its norm).
    var denseGroups: [Range<Int>] {
        (images ? ImageFeatures.groups : []) + (layout ? [(images ? ImageFeatures.count : 0)..<denseCount] : [])
    }

    /// A dense block as the horizontally flipped image would give it (`--augment flip`): the
    /// image features mirrored; the layout summary is symmetric and stays.
    func flipped(_ dense: [Float]) -> [Float] {
        guard images else { return dense }
        return ImageFeatures.flipped(dense)
    }

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

/// Hashes text views into feature ids (the hashing trick, as fastText and Vowpal Wabbit): the
/// hash primitives, and `extract`, which builds a record's `RawText` with `ViewHasher` (the
/// tokeniser and n-gram hasher prediction uses too).
struct TextHasher: Sendable {
    let config: FeatureConfig
    let mask: UInt32

    init(_ config: FeatureConfig) {
        self.config = config
        self.mask = config.bits >= 32 ? UInt32.max >> 1 : (UInt32(1) << UInt32(config.bits)) - 1
    }

    /// The hash seed of a namespace (view index, kind): separate views never share a feature.
    /// FNV-1a over the namespace + 1, xored in as one whole UInt64 (not a byte), then the kind.
    @inline(__always) static func seed(_ namespace: Int, _ kind: UInt8) -> UInt64 {
        var h = (FNV1a.offset ^ UInt64(namespace &+ 1)) &* FNV1a.prime
        h = FNV1a.step(h, kind)
        return h
    }

    @inline(__always) static func mix(_ h: UInt64, _ bytes: String.UTF8View) -> UInt64 { FNV1a.hash(bytes, from: h) }

    @inline(__always) func id(_ h: UInt64) -> UInt32 {
        // Fold the high bits in: FNV's low bits alone are weak.
        UInt32(truncatingIfNeeded: (h ^ (h >> 29) ^ (h >> 41))) & mask
    }

    /// The id of a word n-gram string as `Tokenizer.ngrams` writes it (used by tests).
    func wordID(_ gram: String, namespace: Int) -> UInt32 { id(TextHasher.mix(TextHasher.seed(namespace, 1), gram.utf8)) }
    /// The id of a character n-gram string as `Tokenizer.characterNGrams` writes it (used by tests).
    func charID(_ gram: String, namespace: Int) -> UInt32 { id(TextHasher.mix(TextHasher.seed(namespace, 2), gram.utf8)) }
    /// The id of the task namespace's one feature.
    func taskID(_ task: String) -> UInt32 { id(TextHasher.mix(TextHasher.seed(config.views.count, 3), task.utf8)) }

    /// Hashes the configured views of a record (`text` must hold them all, see `TextBytes.load`)
    /// and its `task` (when configured) into `raw`; `view` is scratch, reused from record to record.
    func extract(_ text: TextBytes, task: String?, into raw: inout RawText, using view: inout ViewHasher) {
        begin(&raw)
        for (ns, field) in config.views.enumerated() {
            text.withView(field) { hashView($0, namespace: ns, lines: field.tokenizesByLine, into: &raw, using: &view) }
        }
        appendTask(task, to: &raw)
    }

    /// `extract` from views given as Strings (tests and tools): the same features, each view
    /// normalised with `Tokenizer.normalizedUTF8` as `TextBytes` would give it.
    func extract(_ text: RecordText, task: String?, into raw: inout RawText) {
        var view = ViewHasher(self)
        var bytes: [UInt8] = []
        begin(&raw)
        for (ns, field) in config.views.enumerated() {
            Tokenizer.normalizedUTF8(text[field], into: &bytes)
            bytes.withUnsafeBufferPointer { hashView($0, namespace: ns, lines: field.tokenizesByLine, into: &raw, using: &view) }
        }
        appendTask(task, to: &raw)
    }

    private func begin(_ raw: inout RawText) {
        raw.ids.removeAll(keepingCapacity: true)
        raw.counts.removeAll(keepingCapacity: true)
        raw.ends.removeAll(keepingCapacity: true)
    }

    /// The three segments of one view (`RawText.ends`): every n-gram the configuration has.
    private func hashView(_ bytes: UnsafeBufferPointer<UInt8>, namespace ns: Int, lines: Bool, into raw: inout RawText, using view: inout ViewHasher) {
        view.hash(bytes, namespace: ns, wordOrder: config.wordNgrams, characters: true, lines: lines)
        appendCounted(&view.unigrams, to: &raw)
        appendCounted(&view.characterNgrams, to: &raw)
        appendCounted(&view.higherNgrams, to: &raw)
    }

    /// The task's segment (one id, or none when the record has no task), when configured.
    private func appendTask(_ task: String?, to raw: inout RawText) {
        guard config.taskFeature else { return }
        if let task { raw.ids.append(taskID(task)); raw.counts.append(1) }
        raw.ends.append(raw.ids.count)
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

    /// Sorts one segment's ids (in place) and appends each distinct one with its count.
    private func appendCounted(_ list: inout ViewHasher.IDs, to raw: inout RawText) {
        let n = list.count
        list.ids.withUnsafeMutableBufferPointer { ids in
            if n > 1 { TextHasher.sort(ids.baseAddress!, 0, n - 1) }
            var i = 0
            while i < n {
                var j = i + 1
                while j < n && ids[j] == ids[i] { j += 1 }
                raw.ids.append(ids[i])
                raw.counts.append(Float(j - i))
                i = j
            }
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

    /// The rows of `ids[0..<count]` the vocabulary has, in order, appended to `out`; ids it
    /// lacks are left out. The first probe of every id is loaded in one branch-free pass, so the
    /// cache misses of a record overlap instead of waiting one after another.
    func rows(of ids: [UInt32], count: Int, appendingTo out: inout [Int32], probes: inout [UInt64]) {
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
