import CJansson

/// A JSON value as Swift data: what a stage reads out of a record or builds to write into one.
///
/// Objects keep their key order (an array of pairs). Numbers keep their kind: integers as `Int64`,
/// reals as `Double`. Serialising a real uses Swift's shortest round-trip form, so `0.1` prints as
/// `0.1` (never `0.10000000000000001`) and parses back to the same `Double`; non-finite reals,
/// which JSON cannot carry, print as `null`.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The number as a Double, if this is one.
    public var doubleValue: Double? {
        switch self { case .int(let i): return Double(i); case .double(let d): return d; default: return nil }
    }
    /// The elements, if this is an array.
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    /// Whether this is `null`.
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The value of `key` in an object (the last one, as jansson keeps duplicates), else nil.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    /// A short name of the kind, for messages: "a string", "an array"...
    /// The value as a class label: a string as written, or an integer as its decimal digits
    /// (`3` → `"3"`: datasets exported with class numbers, as Hugging Face's are); nil for any
    /// other value. The one rule by which every stage reads a gold label.
    public var labelText: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return nil
        }
    }

    /// What a value that is not a label is, for messages: `kindName`, and for a number that is
    /// not an integer the number itself (`a number that is not an integer (7.5)`).
    public var labelKindName: String {
        if case .double = self { return "a number that is not an integer (\(serialized))" }
        return kindName
    }

    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    // MARK: Serialising

    /// Compact JSON text (no spaces), UTF-8 kept as is, as jansson's `JSON_COMPACT` writes it.
    public var serialized: String {
        var out: [UInt8] = []
        serialize(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends compact JSON bytes to `out`.
    public func serialize(into out: inout [UInt8]) {
        switch self {
        // Literals go byte by byte: `Array("true".utf8)` would allocate on every call.
        case .null: out.append(0x6E); out.append(0x75); out.append(0x6C); out.append(0x6C)
        case .bool(true): out.append(0x74); out.append(0x72); out.append(0x75); out.append(0x65)
        case .bool(false): out.append(0x66); out.append(0x61); out.append(0x6C); out.append(0x73); out.append(0x65)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                let text = d.description
                out.append(contentsOf: text.utf8)
            } else {
                out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            }
        case .string(let s): JSON.appendQuoted(s, to: &out)
        case .array(let items):
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                item.serialize(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSON.appendQuoted(key, to: &out)
                out.append(0x3A)
                value.serialize(into: &out)
            }
            out.append(0x7D)
        }
    }

    /// Appends `s` as a JSON string literal: escapes `"`, `\` and control characters only.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        // Most strings need no escape: copy them in one go.
        var s = s
        let plain = s.withUTF8 { u -> Bool in
            for b in u where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            out.append(contentsOf: u)
            return true
        }
        if plain { out.append(0x22); return }
        @inline(__always) func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x61 + v - 10 }
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            case 0..<0x20:
                out.append(0x5C); out.append(0x75); out.append(0x30); out.append(0x30)
                out.append(hex(b >> 4)); out.append(hex(b & 15))
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    // MARK: Parsing (jansson)

    /// Parses one JSON text with jansson (any value at top level). Throws `RecordError` with
    /// jansson's message (and column) when the text is not valid JSON. `\u0000` is valid JSON
    /// and is read into the string (strings are read by length, never as C strings; jansson
    /// still refuses it in an object's key); the serialiser writes it back as `\u0000`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSON {
        var error = json_error_t()
        let flags = JSON_DECODE_ANY | JSON_ALLOW_NUL
        guard let root = bytes.withMemoryRebound(to: CChar.self, { json_loadb($0.baseAddress, $0.count, Int(flags), &error) }) else {
            let text = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw RecordError("invalid JSON at column \(error.column): \(text)")
        }
        defer { json_decref(root) }
        return JSON(jansson: root)
    }

    /// Parses a Swift string with jansson.
    public static func parse(_ text: String) throws -> JSON {
        var text = text
        return try text.withUTF8 { try parse($0) }
    }

    /// Converts a jansson value (borrowed) into Swift data.
    public init(jansson v: UnsafeMutablePointer<json_t>) {
        switch v.pointee.type {
        case JSON_OBJECT:
            var members: [(String, JSON)] = []
            members.reserveCapacity(json_object_size(v))
            var iter = json_object_iter(v)
            while let it = iter {
                let key = String(cString: json_object_iter_key(it))
                members.append((key, JSON(jansson: json_object_iter_value(it))))
                iter = json_object_iter_next(v, it)
            }
            self = .object(members)
        case JSON_ARRAY:
            let n = json_array_size(v)
            var items: [JSON] = []
            items.reserveCapacity(n)
            for i in 0..<n { items.append(JSON(jansson: json_array_get(v, i))) }
            self = .array(items)
        case JSON_STRING:
            let len = json_string_length(v)
            let p = json_string_value(v)!
            self = .string(p.withMemoryRebound(to: UInt8.self, capacity: len) {
                String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
            })
        case JSON_INTEGER: self = .int(Int64(json_integer_value(v)))
        case JSON_REAL: self = .double(json_real_value(v))
        case JSON_TRUE: self = .bool(true)
        case JSON_FALSE: self = .bool(false)
        default: self = .null
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
}

extension JSON {
    /// `.string(s)` or `.null` when `s` is nil.
    public static func string(orNull s: String?) -> JSON { s.map { .string($0) } ?? .null }
}
