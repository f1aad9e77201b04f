import JSONLines
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `embedding` key kdsl-embed writes: the encoder's name, then one member per text view asked
/// for (in the order asked), each a sentence vector (an array of numbers) or `null` for a view
/// without text:
/// `{"encoder":"multilingual-e5-small","user":[0.0123,…],"ocr":null}`.
///
/// Each number is a Float32 component written in its shortest decimal form that reads back as the
/// same Float32 (Swift's `Float.description`: `0.04120193`, `-1.2e-05`); never NaN or infinity,
/// which JSON cannot carry (`init` refuses them).
///
/// Read from a record with `read(from:at:)` (kdsl-model's reader): the numbers straight from the
/// record's bytes (`Scanner`), else through the JSON tree (`init(json:at:)`), which holds the
/// checks and their messages.
public struct EmbeddingValue: Sendable, Equatable {
    public static let key = "embedding"

    /// The encoder's name; "" when the value has no `encoder` member.
    public var encoder: String
    /// The views, in the order written: a name and its vector, nil for a view written `null`.
    public var views: [View]

    public struct View: Sendable, Equatable {
        public var name: String
        public var vector: [Float]?
        public init(name: String, vector: [Float]?) { self.name = name; self.vector = vector }
    }

    /// A value; a vector with a NaN or infinite component is refused (nil).
    public init?(encoder: String, views: [View]) {
        guard views.allSatisfy({ $0.vector?.allSatisfy(\.isFinite) ?? true }) else { return nil }
        self.init(checked: encoder, views: views)
    }

    /// A value whose components are known to be finite.
    fileprivate init(checked encoder: String, views: [View]) {
        self.encoder = encoder
        self.views = views
    }

    /// The vector of view `name`, if the value has one.
    public func vector(_ name: String) -> [Float]? { views.first { $0.name == name }?.vector ?? nil }

    /// The views that have a vector, in order (the `null` ones left out).
    public var vectors: [(name: String, vector: [Float])] { views.compactMap { v in v.vector.map { (v.name, $0) } } }

    /// The views written `null`: kdsl-embed found no text in them (nothing was left unembedded).
    public var nullViews: [String] { views.filter { $0.vector == nil }.map(\.name) }

    /// The JSON form. Each component is the Double nearest its shortest Float32 decimal, so that
    /// `json.serialize` writes the same bytes as `serialize(into:)`.
    public var json: JSON {
        .object([("encoder", .string(encoder))] + views.map { view in
            (view.name, view.vector.map { v in .array(v.map { .double(Double($0.description)!) }) } ?? .null)
        })
    }

    /// Appends the value's JSON bytes (the byte writer kdsl-embed uses; equal to `json.serialize`).
    public func serialize(into out: inout [UInt8]) {
        out.append(contentsOf: #"{"encoder":"#.utf8)
        JSON.string(encoder).serialize(into: &out)
        for view in views {
            out.append(UInt8(ascii: ","))
            JSON.string(view.name).serialize(into: &out)
            out.append(UInt8(ascii: ":"))
            guard let vector = view.vector else { out.append(contentsOf: "null".utf8); continue }
            out.append(UInt8(ascii: "["))
            for (i, x) in vector.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: x.description.utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Reads the value at `path` of `record`; nil when the record has no such key or it is
    /// `null`. The common shape is read straight from the record's bytes (`Scanner`); anything
    /// else, and every mistake, goes through the JSON tree (`init(json:at:)`), which reports it.
    /// Both give the same value for the same bytes.
    public static func read(from record: Record, at path: FieldPath) throws -> EmbeddingValue? {
        var scratch: [JSONScanner.Member] = []
        if case .at(let range) = record.rawValue(at: path, scratch: &scratch) {
            switch record.bytes.withUnsafeBufferPointer({ Scanner.scan(UnsafeBufferPointer(rebasing: $0[range])) }) {
            case .null?: return nil
            case .value(let value)?: return value
            case nil: break
            }
        }
        guard let json = record.value(at: path), !json.isNull else { return nil }
        return try EmbeddingValue(json: json, at: path)
    }

    /// Decodes an `embedding` value; `path` names the key in messages. Throws `RecordError` when
    /// the value is not an object, `encoder` is not a string, a view is neither an array of
    /// numbers nor `null`, a number is beyond a 32-bit float (1e39), a view is an empty array, or
    /// the views' vectors differ in length. A missing `encoder` reads as "". A key given twice
    /// keeps its first place and its last value (jansson's rule).
    public init(json: JSON, at path: FieldPath) throws {
        guard case .object(let members) = json else {
            throw RecordError("\(path) is \(json.kindName), expected an object (as kdsl-embed writes it)")
        }
        var encoder = ""
        var views: [View] = []
        for (name, value) in members {
            if name == "encoder" {
                guard let s = value.stringValue else { throw RecordError("\(path).encoder is \(value.kindName), expected a string") }
                encoder = s
                continue
            }
            switch value {
            case .null:
                Self.put(name, nil, into: &views)
            case .array(let items):
                var vector = [Float](repeating: 0, count: items.count)
                for (i, item) in items.enumerated() {
                    guard let x = item.doubleValue else { throw RecordError("\(path).\(name)[\(i)] is \(item.kindName), expected a number") }
                    // 1e39 is a JSON number but no Float: it would make every probability NaN.
                    guard Float(x).isFinite else { throw RecordError("\(path).\(name)[\(i)] is \(x), outside the range of a 32-bit float") }
                    vector[i] = Float(x)
                }
                guard !vector.isEmpty else { throw RecordError("\(path).\(name) is an empty array, expected a vector") }
                Self.put(name, vector, into: &views)
            default:
                throw RecordError("\(path).\(name) is \(value.kindName), expected an array of numbers or null")
            }
        }
        let vectors = views.filter { $0.vector != nil }
        if let first = vectors.first, let other = vectors.first(where: { $0.vector!.count != first.vector!.count }) {
            throw RecordError("\(path): \(first.name) has \(first.vector!.count) numbers, \(other.name) \(other.vector!.count); the views of one encoder have one length")
        }
        self.init(checked: encoder, views: views)
    }

    /// Sets view `name`: a key given twice keeps its first place and its last value.
    fileprivate static func put(_ name: String, _ vector: [Float]?, into views: inout [View]) {
        if let at = views.firstIndex(where: { $0.name == name }) { views[at].vector = vector } else { views.append(View(name: name, vector: vector)) }
    }
}

extension EmbeddingValue {
    /// Reads a value straight from a record's bytes (a line the reader validated): the common
    /// shape only, `null` or an object of plain-string keys, an `encoder` string without escapes,
    /// and non-empty arrays of numbers, each within Float32's range, all of one length, or
    /// `null`. Anything else is declined (nil), for `init(json:at:)` to read and report. Each
    /// number is read by `strtod` and rounded to Float, as the tree's doubles are (an integer as
    /// jansson reads it: `-0` is +0), so both give the same value, bit for bit. On 30,800 records
    /// of 384 numbers it reads ~20× faster than building the tree.
    package enum Scanner {
        package enum Scanned: Equatable { case null, value(EmbeddingValue) }

        package static func scan(_ b: UnsafeBufferPointer<UInt8>) -> Scanned? {
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
            if i + 4 <= n && b[i] == UInt8(ascii: "n") { return .null }
            guard i < n, b[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var encoder = "", views: [View] = []
            space()
            if i < n && b[i] == UInt8(ascii: "}") { return .value(EmbeddingValue(checked: "", views: [])) }
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
                    EmbeddingValue.put(key, nil, into: &views)
                } else if b[i] == UInt8(ascii: "[") {
                    i += 1
                    var vector: [Float] = []
                    vector.reserveCapacity(384)
                    space()
                    if i < n && b[i] == UInt8(ascii: "]") { return nil }  // empty: the tree's path reports it
                    while true {
                        space()
                        guard i < n, b[i] == UInt8(ascii: "-") || (b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9")) else { return nil }
                        let start = b.baseAddress! + i
                        var end: UnsafeMutablePointer<CChar>? = nil
                        var x = start.withMemoryRebound(to: CChar.self, capacity: n - i) { strtod($0, &end) }
                        guard let end else { return nil }
                        let used = UnsafeRawPointer(end) - UnsafeRawPointer(start)
                        guard used > 0, i + used <= n else { return nil }
                        // `-0` is an integer to the tree, so +0; `-0.0` and `-0e0` are -0.
                        if x == 0, !b[i..<(i + used)].contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) { x = 0 }
                        i += used
                        guard Float(x).isFinite else { return nil }  // reported by the tree's path
                        vector.append(Float(x))
                        space()
                        guard i < n else { return nil }
                        if b[i] == UInt8(ascii: ",") { i += 1; continue }
                        guard b[i] == UInt8(ascii: "]") else { return nil }
                        i += 1
                        break
                    }
                    EmbeddingValue.put(key, vector, into: &views)
                } else {
                    return nil
                }
                space()
                guard i < n else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { return nil }
                break
            }
            // Different lengths: the tree's path reports them.
            let lengths = views.compactMap { $0.vector?.count }
            if let first = lengths.first, lengths.contains(where: { $0 != first }) { return nil }
            return .value(EmbeddingValue(checked: encoder, views: views))
        }
    }
}
