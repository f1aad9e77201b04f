import Basics
import JSONLines
import TextViews
#if canImport(Glibc)
import Glibc
#endif

/// The model file (see docs/records.md, "The model file"):
///
/// ```
/// offset  size  field
/// 0       8     magic "KDSLMODL"
/// 8       4     format version (UInt32 LE): 3, or 4 when a head has an embedding head (2 added each head's text views and word n-gram order; 3 the gradient histograms of the image features and each head's character n-gram choice; 4 the embedding heads, after the heads)
/// 12      4     reserved, 0
/// 16      8     payload length in bytes (UInt64 LE)
/// 24      8     FNV-1a 64 checksum of the payload (UInt64 LE)
/// 32      ...   payload: feature configuration, info, heads (little-endian numbers, UTF-8
///               strings prefixed by their UInt32 length, Float32 arrays prefixed by their count)
/// ```
///
/// Written to a temporary file in the same folder, synced, then renamed over the target, so a
/// reader sees the old file or the new one, never half of one.
enum ModelFile {
    static let magic: [UInt8] = Array("KDSLMODL".utf8)
    /// The newest format this kdsl-model writes and reads (`--version`).
    static let version: UInt32 = 4
    /// The format of a model without embedding heads: it is written as before them, byte for byte.
    static let versionWithoutEmbeddings: UInt32 = 3

    /// The format a model with `heads` is written in.
    static func version(_ heads: [Head]) -> UInt32 {
        heads.contains { $0.embedding != nil } ? version : versionWithoutEmbeddings
    }
    static let headerSize = 32
    /// The largest word n-gram order and character n-gram length a model may hold; `train`
    /// refuses more, and the reader calls a file that holds more corrupt.
    static let maxWordNgrams = 16
    static let maxCharNgram = 32

    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 { FNV1a.hash(bytes) }

    // MARK: Writing

    static func encode(_ model: Model) -> [UInt8] {
        var p = Writer()
        let f = model.features
        p.u32(UInt32(f.views.count))
        for v in f.views { p.string(v.rawValue) }
        p.u32(UInt32(f.wordNgrams)); p.u32(UInt32(f.charMin)); p.u32(UInt32(f.charMax)); p.u32(UInt32(f.bits))
        var flags: UInt32 = 0
        if f.sublinear { flags |= 1 }
        if f.idf { flags |= 2 }
        if f.images { flags |= 4 }
        if f.taskFeature { flags |= 8 }
        if model.joint { flags |= 16 }
        if f.layout { flags |= 32 }
        p.u32(flags)
        p.f32(f.imageWeight)
        p.string(model.info)
        p.u32(UInt32(model.heads.count))
        for h in model.heads {
            p.string(h.task)
            p.u32(h.views & f.allViews)
            p.u32(UInt32(h.wordNgrams))
            p.u32(h.chars ? 1 : 0)
            p.u32(UInt32(h.labels.count))
            for l in h.labels { p.string(l) }
            p.u32(UInt32(h.hidden)); p.u32(UInt32(h.denseCount))
            p.u32(UInt32(h.vocabulary.ids.count))
            for id in h.vocabulary.ids { p.u32(id) }
            p.floats(h.vocabulary.idf)
            p.floats(h.denseMean); p.floats(h.denseScale)
            p.floats(h.ws); p.floats(h.wd); p.floats(h.b1); p.floats(h.u); p.floats(h.b2)
        }
        let version = version(model.heads)
        if version >= 4 {
            // Format 4: per head, 0 (none) or 1 and its embedding head.
            for h in model.heads {
                guard let e = h.embedding else { p.u32(0); continue }
                p.u32(1)
                p.string(e.encoder)
                p.u32(UInt32(e.views.count))
                for v in e.views { p.string(v) }
                p.u32(UInt32(e.dimension))
                p.f32(e.mix)
                p.floats(e.head.denseMean); p.floats(e.head.denseScale)
                p.floats(e.head.wd); p.floats(e.head.b1)
            }
        }
        var out = magic
        var head = Writer()
        head.u32(version); head.u32(0); head.u64(UInt64(p.bytes.count))
        head.u64(p.bytes.withUnsafeBufferPointer { checksum($0) })
        out.append(contentsOf: head.bytes)
        out.append(contentsOf: p.bytes)
        return out
    }

    /// Writes `model` to `path` atomically (JSONLines' `AtomicFile`). Throws `SetupError`.
    static func write(_ model: Model, to path: String) throws {
        do {
            try AtomicFile.write(encode(model), to: path)
        } catch let error as SetupError {
            throw SetupError("cannot write model \(error.message)")
        }
    }

    // MARK: Reading

    /// Reads a model file; any problem is a `SetupError` naming the file and what is wrong.
    static func read(_ path: String) throws -> Model {
        let fd: Int32
        switch RegularFile.open(path) {
        case .success(let f): fd = f
        case .failure(let e): throw SetupError("cannot read model \(path): \(e.message)")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SetupError("cannot read model \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return try decode(bytes, name: path)
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> Model {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw SetupError("\(name): not a kdsl-model file (no KDSLMODL header); train one with `kdsl-model train --out`")
        }
        guard bytes.count >= headerSize else { throw SetupError("\(name): truncated model file (\(bytes.count) bytes, header needs \(headerSize))") }
        var h = Reader(bytes: bytes, at: magic.count, name: name)
        let v = try h.u32()
        guard v == version || v == versionWithoutEmbeddings else { throw SetupError("\(name): model format version \(v), this kdsl-model reads versions \(versionWithoutEmbeddings) and \(version); retrain it") }
        _ = try h.u32()
        let length = try h.u64(), sum = try h.u64()
        let have = UInt64(bytes.count - headerSize)
        guard have >= length else { throw SetupError("\(name): truncated model file: payload has \(have) of \(length) bytes") }
        guard have == length else { throw SetupError("\(name): corrupt model file: \(have - length) bytes after the payload") }
        let actual = bytes.withUnsafeBufferPointer { checksum(UnsafeBufferPointer(rebasing: $0[headerSize...])) }
        guard actual == sum else { throw SetupError("\(name): corrupt model file: checksum mismatch") }
        var r = Reader(bytes: bytes, at: headerSize, name: name)
        var f = FeatureConfig()
        let nViews = try r.count(limit: 16)
        f.views = try (0..<nViews).map { _ in
            let s = try r.string()
            guard let v = TextView(rawValue: s) else { throw r.corrupt("unknown text view \(s)") }
            return v
        }
        f.wordNgrams = Int(try r.u32()); f.charMin = Int(try r.u32()); f.charMax = Int(try r.u32()); f.bits = Int(try r.u32())
        // Prediction sizes its buffers from these (a view's n-grams: its tokens × the word order,
        // its bytes × the character n-gram lengths): a damaged file must not ask for terabytes.
        guard (1...maxWordNgrams).contains(f.wordNgrams) else { throw r.corrupt("word n-gram order \(f.wordNgrams) (at most \(maxWordNgrams))") }
        guard f.charMax == 0 || (1...maxCharNgram).contains(f.charMin) && (f.charMin...maxCharNgram).contains(f.charMax) else {
            throw r.corrupt("character n-grams \(f.charMin)-\(f.charMax) (lengths 1...\(maxCharNgram), or 0 for none)")
        }
        guard (1...31).contains(f.bits) else { throw r.corrupt("hash bits \(f.bits) (1...31)") }
        let flags = try r.u32()
        f.sublinear = flags & 1 != 0; f.idf = flags & 2 != 0; f.images = flags & 4 != 0; f.taskFeature = flags & 8 != 0
        f.layout = flags & 32 != 0
        f.imageWeight = try r.f32()
        guard f.imageWeight.isFinite else { throw r.corrupt("non-finite image weight") }
        let info = try r.string()
        let nHeads = try r.count(limit: 1 << 16)
        var heads: [Head] = []
        for _ in 0..<nHeads {
            let task = try r.string()
            let views = try r.u32()
            guard views & ~f.allViews == 0, views != 0 || f.views.isEmpty else { throw r.corrupt("bad view mask \(views) in head \"\(task)\"") }
            let wordNgrams = Int(try r.u32())
            guard wordNgrams == 1 || wordNgrams == f.wordNgrams else { throw r.corrupt("word n-grams \(wordNgrams) in head \"\(task)\" (model: \(f.wordNgrams))") }
            let chars = try r.u32()
            guard chars <= 1 else { throw r.corrupt("bad character n-gram flag \(chars) in head \"\(task)\"") }
            let nLabels = try r.count(limit: 1 << 24)
            let labels = try (0..<nLabels).map { _ in try r.string() }
            let hidden = Int(try r.u32()), dense = Int(try r.u32())
            // Each is the length of an array stored in the file (b1 has `hidden` floats, mean
            // `dense`), so neither can exceed the file's floats; checked before they are multiplied.
            let floatsInFile = bytes.count / 4
            guard hidden <= floatsInFile, dense <= floatsInFile else { throw r.corrupt("sizes \(hidden) hidden, \(dense) dense in head \"\(task)\" exceed the file (\(bytes.count) bytes)") }
            let nIds = try r.count(limit: 1 << 31)
            let ids = try r.words(nIds)
            let idf = try r.floats()
            let mean = try r.floats(), scale = try r.floats()
            let ws = try r.floats(), wd = try r.floats(), b1 = try r.floats(), u = try r.floats(), b2 = try r.floats()
            let k = hidden > 0 ? hidden : nLabels
            guard nLabels >= 2, idf.count == nIds, mean.count == dense, scale.count == dense, ws.count == nIds * k,
                  wd.count == dense * k, b1.count == k, u.count == (hidden > 0 ? hidden * nLabels : 0),
                  b2.count == (hidden > 0 ? nLabels : 0) else { throw r.corrupt("inconsistent sizes in head \"\(task)\"") }
            let head = Head(task: task, labels: labels, views: views, wordNgrams: wordNgrams, chars: chars == 1, vocabulary: Vocabulary(ids: ids, idf: idf), denseCount: dense,
                            hidden: hidden, denseMean: mean, denseScale: scale, ws: ws, wd: wd, b1: b1, u: u, b2: b2)
            // Training never writes one (it stops on divergence); a file that has one would give
            // NaN probabilities for every record.
            if let bad = head.firstNonFinite { throw r.corrupt("non-finite number in head \"\(task)\" (\(bad.array) [\(bad.index)])") }
            heads.append(head)
        }
        if v >= 4 {
            for head in heads {
                let has = try r.u32()
                guard has <= 1 else { throw r.corrupt("bad embedding flag \(has) in head \"\(head.task)\"") }
                guard has == 1 else { continue }
                let encoder = try r.string()
                let nViews = try r.count(limit: 64)
                let views = try (0..<nViews).map { _ in try r.string() }
                let dimension = try r.count(limit: 1 << 20)
                let mix = try r.f32()
                let mean = try r.floats(), scale = try r.floats(), wd = try r.floats(), b1 = try r.floats()
                let d = nViews * dimension, c = head.classes
                guard nViews >= 1, dimension >= 1, mix >= 0, mix <= 1, mean.count == d, scale.count == d, wd.count == d * c, b1.count == c else {
                    throw r.corrupt("inconsistent embedding head in head \"\(head.task)\"")
                }
                let inner = Head(task: head.task, labels: head.labels, views: 0, wordNgrams: 1, chars: false, vocabulary: Vocabulary(ids: [], idf: []),
                                 denseCount: d, hidden: 0, denseMean: mean, denseScale: scale, wd: wd, b1: b1)
                if let bad = inner.firstNonFinite { throw r.corrupt("non-finite number in the embedding head of \"\(head.task)\" (\(bad.array) [\(bad.index)])") }
                head.embedding = EmbeddingHead(encoder: encoder, views: views, dimension: dimension, mix: mix, head: inner)
            }
        }
        guard r.offset == bytes.count else { throw r.corrupt("unexpected bytes after the last head") }
        guard !heads.isEmpty else { throw r.corrupt("no heads") }
        return Model(features: f, joint: flags & 16 != 0, heads: heads, info: info)
    }

    struct Writer {
        var bytes: [UInt8] = []
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func f32(_ v: Float) { u32(v.bitPattern) }
        mutating func string(_ s: String) { u32(UInt32(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
        mutating func floats(_ a: [Float]) {
            u32(UInt32(a.count))
            bytes.reserveCapacity(bytes.count + a.count * 4)
            for x in a { u32(x.bitPattern) }
        }
    }

    struct Reader {
        let bytes: [UInt8]
        var offset: Int
        let name: String
        init(bytes: [UInt8], at offset: Int, name: String) { self.bytes = bytes; self.offset = offset; self.name = name }

        func corrupt(_ what: String) -> SetupError { SetupError("\(name): corrupt model file: \(what)") }
        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, offset + n <= bytes.count else { throw corrupt("field runs past the end at byte \(offset)") }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        mutating func u32() throws -> UInt32 {
            let s = try take(4)
            return s.reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        mutating func u64() throws -> UInt64 {
            let s = try take(8)
            return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
        mutating func count(limit: Int) throws -> Int {
            let n = Int(try u32())
            guard n <= limit else { throw corrupt("count \(n) too large at byte \(offset - 4)") }
            return n
        }
        mutating func string() throws -> String {
            let n = try count(limit: bytes.count)
            return String(decoding: try take(n), as: UTF8.self)
        }
        mutating func words(_ n: Int) throws -> [UInt32] {
            let s = try take(n * 4)
            var out = [UInt32](repeating: 0, count: n)
            s.withUnsafeBytes { raw in
                for i in 0..<n { out[i] = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
            }
            return out
        }
        mutating func floats() throws -> [Float] {
            let n = try count(limit: (bytes.count - offset) / 4)
            let s = try take(n * 4)
            var out = [Float](repeating: 0, count: n)
            s.withUnsafeBytes { raw in
                for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            }
            return out
        }
    }
}
