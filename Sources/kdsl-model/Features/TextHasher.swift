import Basics
import JSONLines
import TextViews

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
