#if canImport(Glibc)
import Glibc
#endif

/// The `metadata_props` of an ONNX model file (ModelProto field 14: key/value string pairs).
///
/// PaddleOCR's recognisers exported by RapidOCR keep their character dictionary there, under
/// `character` (one character per line), so the model file alone is enough to decode its output.
/// Only the top level of the protobuf is walked; the graph (field 7, nearly all of the file) is
/// skipped by its length.
enum ONNXMetadata {
    static func read(path: String) -> Result<[String: String], EngineSetupError> {
        guard let f = fopen(path, "rb") else {
            return .failure(EngineSetupError("cannot open \(path): \(String(cString: strerror(errno)))"))
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        guard let props = parse(bytes) else { return .failure(EngineSetupError("\(path) is not an ONNX model (its protobuf does not parse)")) }
        return .success(props)
    }

    /// The metadata of a serialised ModelProto; nil when the bytes are not a well-formed protobuf.
    static func parse(_ bytes: [UInt8]) -> [String: String]? {
        var props: [String: String] = [:]
        var reader = ProtoReader(bytes: bytes[...])
        while !reader.atEnd {
            guard let (field, wire) = reader.tag() else { return nil }
            if field == 14 && wire == 2 {
                guard var entry = reader.bytesField().map({ ProtoReader(bytes: $0) }) else { return nil }
                var key = "", value = ""
                while !entry.atEnd {
                    guard let (f, w) = entry.tag() else { return nil }
                    if w == 2, f == 1 || f == 2 {
                        guard let s = entry.bytesField() else { return nil }
                        if f == 1 { key = String(decoding: s, as: UTF8.self) } else { value = String(decoding: s, as: UTF8.self) }
                    } else if !entry.skip(wire: w) { return nil }
                }
                props[key] = value
            } else if !reader.skip(wire: wire) {
                return nil
            }
        }
        return props
    }
}

/// A cursor over protobuf wire-format bytes.
struct ProtoReader {
    var bytes: ArraySlice<UInt8>
    var atEnd: Bool { bytes.isEmpty }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let b = bytes.first {
            bytes = bytes.dropFirst()
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    mutating func tag() -> (field: UInt64, wire: UInt64)? {
        guard let t = varint() else { return nil }
        return (t >> 3, t & 7)
    }

    mutating func bytesField() -> ArraySlice<UInt8>? {
        guard let n = varint(), n <= UInt64(bytes.count) else { return nil }
        let start = bytes.startIndex
        let field = bytes[start..<start + Int(n)]
        bytes = bytes[(start + Int(n))...]
        return field
    }

    mutating func skip(wire: UInt64) -> Bool {
        switch wire {
        case 0: return varint() != nil
        case 1: guard bytes.count >= 8 else { return false }; bytes = bytes.dropFirst(8); return true
        case 2: return bytesField() != nil
        case 5: guard bytes.count >= 4 else { return false }; bytes = bytes.dropFirst(4); return true
        default: return false
        }
    }
}
