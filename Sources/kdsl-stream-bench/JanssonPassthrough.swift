#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CJansson
import JSONLines

/// The baseline: what a stage costs when it parses every record completely with jansson and dumps
/// it back (`json_loadb`, `json_object_set_new`, `json_dumps`). A bad line is treated as `runFilter`
/// treats it (`BadLine`).
enum JanssonPassthrough {
    static func run(_ options: StreamOptions, added: AddedKey, read: FieldPath?) throws {
        let output = StandardOutput.shared
        var sink = 0
        try RecordReader.forEachLine(options.inputs) { bytes, location in
            let number = location.line
            var error = json_error_t()
            let root = bytes.withMemoryRebound(to: CChar.self) {
                json_loadb($0.baseAddress, $0.count, Int(JSON_DECODE_ANY), &error)
            }
            guard let root, json_is_object_(root) else {
                let message: String
                if let root {
                    message = "expected a JSON object, got \(JSON(jansson: root).kindName)"
                    json_decref(root)
                } else {
                    let text = withUnsafeBytes(of: &error.text) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                    message = "invalid JSON at column \(error.column): \(text)"
                }
                try BadLine.malformed(MalformedLine(bytes: Array(bytes), location: location, message: message)).reject(strict: options.strict) {
                    output.write($0)
                    output.write([0x0A])
                }
                output.endRecord()
                return
            }
            defer { json_decref(root) }
            if let read {
                var cur: UnsafeMutablePointer<json_t>? = root
                for k in read.keys { cur = cur.flatMap { json_object_get($0, k) } }
                if let cur { sink &+= json_is_string_(cur) ? json_string_length(cur) : 1 }
            }
            let v = added.lineNumber ? json_integer(json_int_t(number)) : json_true()
            json_object_set_new(root, added.key, v)
            guard let text = json_dumps(root, Int(JSON_COMPACT)) else { throw SetupError("json_dumps failed") }
            output.write(UnsafeBufferPointer(start: UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), count: strlen(text)))
            output.write([0x0A])
            free(text)
            output.endRecord()
        }
    }

    @inline(__always) static func json_is_object_(_ v: UnsafeMutablePointer<json_t>) -> Bool { v.pointee.type == JSON_OBJECT }
    @inline(__always) static func json_is_string_(_ v: UnsafeMutablePointer<json_t>) -> Bool { v.pointee.type == JSON_STRING }
}
