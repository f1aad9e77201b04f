import JSONLines
#if canImport(Glibc)
import Glibc
#endif

/// The sentence vectors kdsl-embed adds to a record, `"embedding": {"encoder": NAME, VIEW:
/// [numbers] or null, ...}` (docs/records.md): the views that have a vector, by name.
struct EmbeddingVectors: Sendable {
    var encoder: String
    /// The views with a vector (a `null` view is left out), in the record's order.
    var views: [(name: String, vector: [Float])]
    /// The views written as `null`: kdsl-embed found no text in them (nothing was left unembedded).
    var nullViews: [String] = []

    func vector(_ view: String) -> [Float]? { views.first { $0.name == view }?.vector }

    /// Reads the vectors at `field`; nil when the record has no such key (or it is null). Throws
    /// `RecordError` when the value is not an object, a view is neither an array of numbers nor
    /// null, or the views' vectors differ in length.
    static func of(_ record: Record, field: FieldPath) throws -> EmbeddingVectors? {
        var scratch: [JSONScanner.Member] = []
        if case .at(let range) = record.rawValue(at: field, scratch: &scratch),
           let fast = record.bytes.withUnsafeBufferPointer({ EmbeddingVectors.scan(UnsafeBufferPointer(rebasing: $0[range])) }) {
            return fast.isNull ? nil : fast.vectors
        }
        guard let v = record.value(at: field), !v.isNull else { return nil }
        guard case .object(let members) = v else { throw RecordError("\(field) is \(v.kindName), expected an object (as kdsl-embed writes it)") }
        var encoder = ""
        var views: [(name: String, vector: [Float])] = []
        var nullViews: [String] = []
        for (name, value) in members {
            if name == "encoder" {
                guard let s = value.stringValue else { throw RecordError("\(field).encoder is \(value.kindName), expected a string") }
                encoder = s
                continue
            }
            switch value {
            case .null:
                views.removeAll { $0.name == name }
                if !nullViews.contains(name) { nullViews.append(name) }
            case .array(let items):
                var vector = [Float](repeating: 0, count: items.count)
                for (i, item) in items.enumerated() {
                    guard let x = item.doubleValue else { throw RecordError("\(field).\(name)[\(i)] is \(item.kindName), expected a number") }
                    // 1e39 is a JSON number but no Float: it would make every probability NaN.
                    guard Float(x).isFinite else { throw RecordError("\(field).\(name)[\(i)] is \(x), outside the range of a 32-bit float") }
                    vector[i] = Float(x)
                }
                guard !vector.isEmpty else { throw RecordError("\(field).\(name) is an empty array, expected a vector") }
                views.removeAll { $0.name == name }
                views.append((name, vector))
                nullViews.removeAll { $0 == name }
            default:
                throw RecordError("\(field).\(name) is \(value.kindName), expected an array of numbers or null")
            }
        }
        if let first = views.first, let other = views.first(where: { $0.vector.count != first.vector.count }) {
            throw RecordError("\(field): \(first.name) has \(first.vector.count) numbers, \(other.name) \(other.vector.count); the views of one encoder have one length")
        }
        return EmbeddingVectors(encoder: encoder, views: views, nullViews: nullViews)
    }
}

extension EmbeddingVectors {
    /// Reads the vectors straight from the record's bytes (a line the reader validated): the
    /// common shape only, `null` or an object of plain-string keys, an `encoder` string without
    /// escapes, and arrays of numbers or `null`; nil for anything else, which `of` then reads
    /// through the JSON tree (and reports as that path does). Each number is read by `strtod`
    /// and rounded to Float, as the tree's doubles are, so both paths give the same vectors.
    /// On 30,800 records of 384 numbers it reads ~20× faster than building the tree.
    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> (vectors: EmbeddingVectors, isNull: Bool)? {
        var i = 0
        let n = b.count
        func space() { while i < n && (b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D) { i += 1 } }
        func plainString() -> String? {
            guard i < n, b[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var j = start
            while j < n && b[j] != UInt8(ascii: "\"") { if b[j] == UInt8(ascii: "\\") { return nil }; j += 1 }
            guard j < n else { return nil }
            i = j + 1
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<j]), as: UTF8.self)
        }
        space()
        if i + 4 <= n && b[i] == UInt8(ascii: "n") { return (EmbeddingVectors(encoder: "", views: []), true) }
        guard i < n, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        // A key given twice keeps its first place and its last value (jansson's rule); a null
        // view holds its place until the end.
        var encoder = "", slots: [(name: String, vector: [Float]?)] = []
        func put(_ key: String, _ vector: [Float]?) {
            if let at = slots.firstIndex(where: { $0.name == key }) { slots[at].vector = vector } else { slots.append((key, vector)) }
        }
        space()
        if i < n && b[i] == UInt8(ascii: "}") { return (EmbeddingVectors(encoder: "", views: []), false) }
        while true {
            space()
            guard let key = plainString() else { return nil }
            space()
            guard i < n, b[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            space()
            guard i < n else { return nil }
            if key == "encoder" {
                guard let e = plainString() else { return nil }
                encoder = e
            } else if b[i] == UInt8(ascii: "n") {
                i += 4
                put(key, nil)
            } else if b[i] == UInt8(ascii: "[") {
                i += 1
                var vector: [Float] = []
                vector.reserveCapacity(384)
                space()
                if i < n && b[i] == UInt8(ascii: "]") { return nil }  // empty: the tree path reports it
                while true {
                    space()
                    guard i < n, b[i] == UInt8(ascii: "-") || (b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9")) else { return nil }
                    let start = b.baseAddress! + i
                    var end: UnsafeMutablePointer<CChar>? = nil
                    let x = start.withMemoryRebound(to: CChar.self, capacity: n - i) { strtod($0, &end) }
                    guard let end else { return nil }
                    let used = UnsafeRawPointer(end) - UnsafeRawPointer(start)
                    guard used > 0, i + used <= n else { return nil }
                    i += used
                    guard Float(x).isFinite else { return nil }  // reported by the JSON tree's path
                    vector.append(Float(x))
                    space()
                    guard i < n else { return nil }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard b[i] == UInt8(ascii: "]") else { return nil }
                    i += 1
                    break
                }
                put(key, vector)
            } else {
                return nil
            }
            space()
            guard i < n else { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "}") else { return nil }
            break
        }
        let views = slots.compactMap { slot in slot.vector.map { (name: slot.name, vector: $0) } }
        if let first = views.first, views.contains(where: { $0.vector.count != first.vector.count }) { return nil }
        return (EmbeddingVectors(encoder: encoder, views: views, nullViews: slots.filter { $0.vector == nil }.map(\.name)), false)
    }
}

/// `--embedding`: whether heads get an embedding head beside the n-gram head.
enum EmbeddingMode: String, CaseIterable, Sendable {
    /// When the head's training records carry `embedding` vectors.
    case auto
    /// Never: the model is the n-gram head alone (the vectors are not read).
    case off
    /// Always; training records without any vector are a setup error.
    case on
}

/// The second head of a task (late fusion): softmax regression over the record's sentence
/// vectors, the views it reads concatenated, each standardised (mean 0, and an equal share of a
/// unit norm), a view the record lacks read as its training mean (zeros after standardising).
/// The task's probability is `mix · p_ngram + (1 − mix) · p_embedding`, with `mix` chosen by inner
/// cross-validation on the training records (`ModelBuilder.chooseMix`) or given (`--mix`).
///
/// The weights live in a `Head` without a vocabulary whose dense block is the vectors, so the
/// same `Trainer` (mini-batch SGD, sgemm on the dense block) trains it.
final class EmbeddingHead {
    /// The key kdsl-embed writes (`--embedding-field`).
    static let defaultField = "embedding"
    let encoder: String
    /// The views it reads, in order (sorted by name).
    let views: [String]
    /// Length of one view's vector.
    let dimension: Int
    /// Weight of the n-gram head's probabilities in the mix (0...1).
    var mix: Float
    let head: Head

    init(encoder: String, views: [String], dimension: Int, mix: Float, head: Head) {
        self.encoder = encoder
        self.views = views
        self.dimension = dimension
        self.mix = mix
        self.head = head
    }

    /// A head with the labels `labels`, untrained, reading `views` of `dimension` numbers.
    convenience init(encoder: String, views: [String], dimension: Int, labels: [String], task: String) {
        let head = Head(task: task, labels: labels, views: 0, wordNgrams: 1, chars: false, vocabulary: Vocabulary(ids: [], idf: []),
                        denseCount: views.count * dimension, hidden: 0)
        self.init(encoder: encoder, views: views, dimension: dimension, mix: 1, head: head)
    }

    /// The record's vectors for this head, raw (a missing view: nil in `present`); nil when it
    /// has none of the head's views or they come from another encoder or have another length.
    func raw(_ e: EmbeddingVectors?) -> (x: [Float], present: [Bool])? {
        guard let e, e.encoder == encoder else { return nil }
        var x = [Float](repeating: 0, count: views.count * dimension)
        var present = [Bool](repeating: false, count: views.count)
        for (i, v) in views.enumerated() {
            guard let vector = e.vector(v), vector.count == dimension else { continue }
            present[i] = true
            for t in 0..<dimension { x[i * dimension + t] = vector[t] }
        }
        return present.contains(true) ? (x, present) : nil
    }

    /// The standardised input of the record, or nil when it has none of the head's vectors.
    func input(_ e: EmbeddingVectors?) -> [Float]? {
        guard var (x, present) = raw(e) else { return nil }
        head.standardise(&x)
        for (i, p) in present.enumerated() where !p {
            for t in 0..<dimension { x[i * dimension + t] = 0 }
        }
        return x
    }

    /// Fits the standardisation on the training records' vectors (each view over the records
    /// that have it), each view an equal share of a unit norm.
    func fitStandardisation(_ records: [EmbeddingVectors?]) {
        let d = dimension
        let share = Float(views.count * d)
        for (i, v) in views.enumerated() {
            let vectors = records.compactMap { $0?.encoder == encoder ? $0?.vector(v) : nil }.filter { $0.count == d }
            guard !vectors.isEmpty else { continue }
            let n = Float(vectors.count)
            for t in 0..<d {
                var s: Float = 0, s2: Float = 0
                for x in vectors { s += x[t]; s2 += x[t] * x[t] }
                let mean = s / n
                let variance = max(0, s2 / n - mean * mean)
                head.denseMean[i * d + t] = mean
                head.denseScale[i * d + t] = variance > 1e-12 ? 1 / (variance * share).squareRoot() : 0
            }
        }
    }

    /// Mixes the embedding head's probabilities `pe` into the n-gram head's `pn` in place.
    func mix(_ pn: inout [Float], with pe: [Float]) {
        let w = mix
        for j in pn.indices { pn[j] = w * pn[j] + (1 - w) * pe[j] }
    }
}
