/// A dotted path to a field inside a record, e.g. `ocr.text` or `prediction.label`.
/// Keys that themselves contain a dot cannot be addressed.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The keys from the outermost object inwards.
    public let keys: [String]
    public init(_ text: String) { keys = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    public init(stringLiteral value: String) { self.init(value) }
    public var description: String { keys.joined(separator: ".") }
}

/// One input record: a JSON object on one line.
///
/// The record keeps its original bytes. Reading a field scans only as far as needed (see
/// `JSONScanner`) and decodes only that field; `set` remembers the new value, and `serialized()`
/// splices it into the original bytes, so every field the stage does not own, its key order,
/// its spacing and its number spelling pass through byte for byte. Records the scanner cannot
/// decide cheaply (rare: giant integers, surrogate escapes, duplicated output keys...) are parsed
/// completely by jansson instead and re-serialised compactly; the results are the same JSON.
public struct Record: Sendable {
    /// The original line, without its newline.
    public private(set) var bytes: [UInt8]
    /// Where the record came from.
    public private(set) var location: SourceLocation

    private var members: [JSONScanner.Member]
    private var close: Int
    /// The whole record as Swift data when the fast path does not apply.
    private var tree: [(String, JSON)]?
    /// Keys set by the stage, in order of first `set`.
    private var updates: [(String, Update)]

    /// A value set by the stage: Swift data, or JSON text the stage serialised itself.
    private enum Update: Sendable {
        case value(JSON)
        case serialized([UInt8])

        var json: JSON {
            switch self {
            case .value(let v): return v
            case .serialized(let b): return (try? b.withUnsafeBufferPointer { try JSON.parse($0) }) ?? .null
            }
        }

        func serialize(into out: inout [UInt8]) {
            switch self {
            case .value(let v): v.serialize(into: &out)
            case .serialized(let b): out.append(contentsOf: b)
            }
        }
    }

    /// Parses `line`; throws `RecordError` when it is not JSON or not an object.
    public init(line: UnsafeBufferPointer<UInt8>, location: SourceLocation) throws {
        var scratch: [JSONScanner.Member] = []
        try self.init(line: line, location: location, scratch: &scratch)
    }

    /// As `init(line:location:)`, scanning into `scratch`, which the reader reuses from line to
    /// line, so the record's member table is allocated once at its exact size instead of grown.
    init(line: UnsafeBufferPointer<UInt8>, location: SourceLocation, scratch: inout [JSONScanner.Member]) throws {
        var close = 0
        if JSONScanner.scanObject(line, members: &scratch, close: &close) == .valid {
            let n = scratch.count
            let members = scratch.withUnsafeBufferPointer { found in
                [JSONScanner.Member](unsafeUninitializedCapacity: n) { table, count in
                    if n > 0 { table.baseAddress!.initialize(from: found.baseAddress!, count: n) }
                    count = n
                }
            }
            self.init(bytes: Array(line), location: location, members: members, close: close, tree: nil, updates: [])
            return
        }
        self.init(bytes: Array(line), location: location, members: [], close: 0, tree: try Record.parseObject(line), updates: [])
    }

    /// Makes this record the record of `line`, reusing its buffers: a one-in, one-out stream
    /// keeps one `Record` and reloads it for every line, so moving a record allocates nothing.
    /// A copy kept elsewhere stays intact (its arrays are shared and copied on write). When this
    /// throws, the record is unusable until the next successful `reload`.
    mutating func reload(line: UnsafeBufferPointer<UInt8>, location: SourceLocation) throws {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: line)
        self.location = location
        updates.removeAll(keepingCapacity: true)
        tree = nil
        if JSONScanner.scanObject(line, members: &members, close: &close) == .valid { return }
        members.removeAll(keepingCapacity: true)
        tree = try Record.parseObject(line)
    }

    /// An empty record to `reload`.
    init() {
        self.init(bytes: [], location: SourceLocation(file: nil, line: 0), members: [], close: 0, tree: nil, updates: [])
    }

    private init(bytes: [UInt8], location: SourceLocation, members: [JSONScanner.Member], close: Int,
                 tree: [(String, JSON)]?, updates: [(String, Update)]) {
        self.bytes = bytes
        self.location = location
        self.members = members
        self.close = close
        self.tree = tree
        self.updates = updates
    }

    /// The members of `line` by a full jansson parse; `RecordError` unless it is an object.
    private static func parseObject(_ line: UnsafeBufferPointer<UInt8>) throws -> [(String, JSON)] {
        // A raw NUL byte is never JSON (not whitespace; inside a string it must be \u0000), though
        // jansson would end the text there: the line is bad, as the fast scanner finds it.
        if let nul = line.firstIndex(of: 0) {
            throw RecordError("invalid JSON at column \(nul + 1): a NUL byte (U+0000 must be written \\u0000 inside a string)")
        }
        let parsed = try JSON.parse(line)
        guard case .object(let all) = parsed else {
            throw RecordError("expected a JSON object, got \(parsed.kindName)")
        }
        return all
    }

    /// Parses a line given as text (tests, tools).
    public init(_ text: String, location: SourceLocation = SourceLocation(file: nil, line: 1)) throws {
        var text = text
        self = try text.withUTF8 { try Record(line: $0, location: location) }
    }

    /// Whether the record took the fast splice path (for tests and benchmarks).
    public var isFastPath: Bool { tree == nil }

    // MARK: Reading

    /// The value at `path`, or nil when any step is absent or not an object. Sees values set by
    /// this stage. Duplicate keys resolve to the last occurrence, as in jansson.
    public func value(at path: FieldPath) -> JSON? {
        guard let first = path.keys.first else { return nil }
        if let set = updates.last(where: { $0.0 == first }) {
            return descend(set.1.json, path.keys.dropFirst())
        }
        if let tree {
            guard let v = tree.last(where: { $0.0 == first })?.1 else { return nil }
            return descend(v, path.keys.dropFirst())
        }
        return bytes.withUnsafeBufferPointer { buf -> JSON? in
            guard var range = Record.find(first, in: members, buf) else { return nil }
            var scratch: [JSONScanner.Member] = []
            for key in path.keys.dropFirst() {
                let sub = UnsafeBufferPointer(rebasing: buf[range])
                guard sub.first == UInt8(ascii: "{"), JSONScanner.members(ofValue: sub, into: &scratch),
                      let inner = Record.find(key, in: scratch, sub) else { return nil }
                range = (range.lowerBound + inner.lowerBound)..<(range.lowerBound + inner.upperBound)
            }
            return Record.decode(UnsafeBufferPointer(rebasing: buf[range]))
        }
    }

    /// Where the value at `path` lies in `bytes`, as `value(at:)` would find it, for readers that
    /// work on the raw bytes (`TextBytes`). `.unknown` when the bytes do not tell: the record is on
    /// the jansson path or the stage has set the path's first key; the caller then uses `value(at:)`.
    package enum RawValue: Equatable { case absent, at(Range<Int>), unknown }

    /// The raw value at `path` (see `RawValue`); `scratch` is reused across calls for nested paths.
    package func rawValue(at path: FieldPath, scratch: inout [JSONScanner.Member]) -> RawValue {
        guard let first = path.keys.first else { return .absent }
        if tree != nil || updates.contains(where: { $0.0 == first }) { return .unknown }
        return bytes.withUnsafeBufferPointer { buf -> RawValue in
            guard var range = Record.find(first, in: members, buf) else { return .absent }
            for key in path.keys.dropFirst() {
                let sub = UnsafeBufferPointer(rebasing: buf[range])
                guard sub.first == UInt8(ascii: "{") else { return .absent }
                JSONScanner.skimMembers(ofValidObject: sub, into: &scratch)
                guard let inner = Record.find(key, in: scratch, sub) else { return .absent }
                range = (range.lowerBound + inner.lowerBound)..<(range.lowerBound + inner.upperBound)
            }
            return .at(range)
        }
    }

    /// The string at `path`; nil when absent or not a string.
    public func string(at path: FieldPath) -> String? { value(at: path)?.stringValue }

    /// The string at `path`; nil when it is absent or null; throws `RecordError` (`task is a
    /// number, expected a string`) when it has another type, which `string(at:)` would read as
    /// absent. One lookup.
    public func optionalString(at path: FieldPath) throws -> String? {
        guard let v = value(at: path) else { return nil }
        switch v {
        case .string(let s): return s
        case .null: return nil
        default: throw RecordError("\(path) is \(v.kindName), expected a string")
        }
    }

    /// The class label at `path` (`JSON.labelText`: a string, or an integer read as its digits);
    /// nil when it is absent or null; throws `RecordError` (`label is a boolean, expected a
    /// string or an integer`) for any other value.
    public func label(at path: FieldPath) throws -> String? {
        guard let v = value(at: path), !v.isNull else { return nil }
        guard let label = v.labelText else { throw RecordError("\(path) is \(v.labelKindName), expected a string or an integer") }
        return label
    }

    /// Whether the record has a top-level key `key`.
    public func has(_ key: String) -> Bool { value(at: FieldPath(keys: [key])) != nil }

    private func descend(_ v: JSON, _ rest: ArraySlice<String>) -> JSON? {
        var cur = v
        for key in rest {
            guard let next = cur[key] else { return nil }
            cur = next
        }
        return cur
    }

    /// The value range of the last member named `key`.
    private static func find(_ key: String, in members: [JSONScanner.Member], _ buf: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var key = key
        return key.withUTF8 { k -> Range<Int>? in
            for m in members.reversed() where keyEquals(m, k, buf) { return m.valueStart..<m.valueEnd }
            return nil
        }
    }

    private static func keyEquals(_ m: JSONScanner.Member, _ k: UnsafeBufferPointer<UInt8>, _ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        let raw = UnsafeBufferPointer(rebasing: buf[m.keyStart..<m.keyEnd])
        if !m.keyEscaped {
            return raw.count == k.count && memcmp(raw.baseAddress!, k.baseAddress!, k.count) == 0
        }
        var decoded = decodeJSONString(raw)
        return decoded.withUTF8 { d in d.count == k.count && (k.count == 0 || memcmp(d.baseAddress!, k.baseAddress!, k.count) == 0) }
    }

    /// Decodes one validated value: strings and literals directly, the rest through jansson.
    private static func decode(_ v: UnsafeBufferPointer<UInt8>) -> JSON? {
        switch v.first {
        case UInt8(ascii: "\""): return .string(decodeJSONString(UnsafeBufferPointer(rebasing: v.dropFirst().dropLast())))
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        default: return try? JSON.parse(v)
        }
    }

    // MARK: Writing

    /// Sets `path` to `value`. A top-level key keeps its place if present, else goes last;
    /// nested paths create the objects they need (replacing a non-object in the way).
    public mutating func set(_ path: FieldPath, _ value: JSON) {
        guard let first = path.keys.first else { return }
        if path.keys.count == 1 {
            if let i = updates.firstIndex(where: { $0.0 == first }) { updates[i].1 = .value(value) } else { updates.append((first, .value(value))) }
            return
        }
        let current = self.value(at: FieldPath(keys: [first])) ?? .null
        set(FieldPath(keys: [first]), Record.setting(current, Array(path.keys.dropFirst()), value))
    }

    /// Convenience: `set(FieldPath(key), value)`.
    public mutating func set(_ key: String, _ value: JSON) { set(FieldPath(keys: [key]), value) }

    /// Sets the top-level `key` to `json`, the compact serialisation of one JSON value, written
    /// out as is: for a stage that assembles its output from pieces serialised once (the bytes
    /// are not checked; they must be what `JSON.serialize` would write for the value).
    public mutating func set(_ key: String, serialized json: [UInt8]) {
        if let i = updates.firstIndex(where: { $0.0 == key }) { updates[i].1 = .serialized(json) } else { updates.append((key, .serialized(json))) }
    }

    private static func setting(_ base: JSON, _ keys: [String], _ value: JSON) -> JSON {
        guard let key = keys.first else { return value }
        var members: [(String, JSON)] = []
        if case .object(let m) = base { members = m }
        if let i = members.lastIndex(where: { $0.0 == key }) {
            members[i].1 = setting(members[i].1, Array(keys.dropFirst()), value)
        } else {
            members.append((key, setting(.null, Array(keys.dropFirst()), value)))
        }
        return .object(members)
    }

    /// The record as one line of JSON (without newline), with this stage's values set.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out)
        return out
    }

    /// Appends the record's JSON bytes (without newline) to `out`.
    public func serialize(into out: inout [UInt8]) {
        if updates.isEmpty && tree == nil { out.append(contentsOf: bytes); return }
        if var all = tree {
            for (key, value) in updates {
                if let i = all.firstIndex(where: { $0.0 == key }) { all[i].1 = value.json } else { all.append((key, value.json)) }
            }
            JSON.object(all).serialize(into: &out)
            return
        }
        bytes.withUnsafeBufferPointer { buf in
            @inline(__always) func copy(_ range: Range<Int>, _ out: inout [UInt8]) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[range]))
            }
            // Where each updated key sits now: nil when absent (it is appended before the closing
            // brace), else the value range of its single occurrence.
            var replacements: [(Range<Int>, Update)] = []
            var appended: [(String, Update)] = []
            for (key, value) in updates {
                var k = key
                var hits = 0, last = 0
                k.withUTF8 { kb in
                    for (i, m) in members.enumerated() where Record.keyEquals(m, kb, buf) { hits += 1; last = i }
                }
                if hits > 1 {
                    // jansson keeps one copy of a duplicated key: only a full parse reproduces that.
                    serializeParsed(buf, into: &out)
                    return
                }
                if hits == 0 {
                    if updates.count == 1 {
                        // The common case, a stage adding its own key: no temporary arrays.
                        splice(key, buf, into: &out) { value.serialize(into: &$0) }
                        return
                    }
                    appended.append((key, value))
                } else {
                    replacements.append((members[last].valueStart..<members[last].valueEnd, value))
                }
            }
            if replacements.count > 1 { replacements.sort { $0.0.lowerBound < $1.0.lowerBound } }
            out.reserveCapacity(out.count + bytes.count + 64)
            var cursor = 0
            for (range, value) in replacements {
                copy(cursor..<range.lowerBound, &out)
                value.serialize(into: &out)
                cursor = range.upperBound
            }
            copy(cursor..<close, &out)
            var needComma = !members.isEmpty
            for (key, value) in appended {
                if needComma { out.append(0x2C) }
                JSON.appendQuoted(key, to: &out)
                out.append(0x3A)
                value.serialize(into: &out)
                needComma = true
            }
            copy(close..<buf.count, &out)
        }
    }

    /// Appends the record with the top-level `key` added last, its value appended by `value`: the
    /// bytes `set(key, …)` and `serialize(into:)` give, for a stage that writes its value straight
    /// into the output (kdsl-model's predictor) instead of through `set`. Returns false, and
    /// appends nothing and does not call `value`, when the record cannot take the splice: it is on
    /// jansson's path (`isFastPath` false), has values set, or already has `key`. When `value`
    /// throws, nothing is appended either.
    public func serialize(adding key: String, into out: inout [UInt8], value: (inout [UInt8]) throws -> Void) rethrows -> Bool {
        guard tree == nil, updates.isEmpty, bytes.withUnsafeBufferPointer({ Record.find(key, in: members, $0) }) == nil else { return false }
        let start = out.count
        do {
            try bytes.withUnsafeBufferPointer { try splice(key, $0, into: &out, value) }
        } catch {
            out.removeSubrange(start...)
            throw error
        }
        return true
    }

    /// The one splice of a new top-level key into the record's bytes `buf`: what precedes the
    /// closing brace, a comma unless the object is empty, `"key":`, the value `value` appends,
    /// then the brace and whatever follows it.
    @inline(__always)
    private func splice(_ key: String, _ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], _ value: (inout [UInt8]) throws -> Void) rethrows {
        out.reserveCapacity(out.count + buf.count + key.utf8.count + 16)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[0..<close]))
        if !members.isEmpty { out.append(0x2C) }
        JSON.appendQuoted(key, to: &out)
        out.append(0x3A)
        try value(&out)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[close..<buf.count]))
    }

    /// Serialises through a full jansson parse of the original bytes (duplicate keys being set).
    private func serializeParsed(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var copy = self
        copy.tree = (try? JSON.parse(buf)).flatMap { if case .object(let m) = $0 { return m } else { return nil } }
        copy.serialize(into: &out)
    }

    /// The record as a Swift object (all members, this stage's values applied).
    public func object() -> JSON {
        var out: [UInt8] = []
        serialize(into: &out)
        return (try? out.withUnsafeBufferPointer { try JSON.parse($0) }) ?? .null
    }
}

extension FieldPath {
    /// A path from already-split keys.
    public init(keys: [String]) { self.keys = keys }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
