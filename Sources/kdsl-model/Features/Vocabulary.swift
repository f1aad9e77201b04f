#if canImport(Glibc)
import Glibc
#endif

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
