#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads image files into memory and checks the structure of PNG and JPEG files before a C
/// decoder sees them.
///
/// Why: Leptonica hands PNGs to libpng and JPEGs to libjpeg with their default message handlers,
/// which print on stderr (`libpng error: read error`, `Premature end of JPEG file`) outside our
/// `kdsl-<stage>: line N:` format. Leptonica's own messages can be turned off, theirs cannot (and
/// redirecting fd 2 process-wide would hide crash reports). A file that is cut short or whose
/// chunks fail their checksums is refused here, with our own reason, and never reaches them.
///
/// What is checked: PNG — the signature, IHDR first, every chunk's length within the file, its
/// type, its CRC-32, an IDAT, and IEND. JPEG — SOI, every marker segment's length within the
/// file, no stray bytes between segments, and an EOI after the entropy-coded data of the last
/// scan. Other formats pass unchecked. Corruption inside compressed data that keeps the
/// structure (and, for PNG, the checksums) intact is still the decoder's to find.
public enum ImageCheck {
    /// Why `bytes` cannot be a whole PNG or JPEG file, or nil when the structure is sound (or the
    /// format is neither).
    public static func problem(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.count >= 8 && bytes[0] == 0x89 && bytes[1] == 0x50 && bytes[2] == 0x4E && bytes[3] == 0x47 {
            return pngProblem(bytes)
        }
        if bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8 { return jpegProblem(bytes) }
        return nil
    }

    /// `problem(in:)` over an array.
    public static func problem(in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { problem(in: $0) }
    }

    // MARK: PNG

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static func pngProblem(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        for i in 0..<8 where b[i] != pngSignature[i] { return "corrupt PNG: bad signature" }
        var pos = 8
        var first = true, sawData = false
        while true {
            if pos == b.count { return "truncated PNG: no IEND chunk" }
            if pos + 8 > b.count { return "truncated PNG: file ends inside a chunk header" }
            let length = Int(be32(b, pos))
            let typeBytes = (b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7])
            let type = String(decoding: [typeBytes.0, typeBytes.1, typeBytes.2, typeBytes.3], as: UTF8.self)
            for c in [typeBytes.0, typeBytes.1, typeBytes.2, typeBytes.3] where !isLetter(c) {
                return "corrupt PNG: invalid chunk type at byte \(pos + 4)"
            }
            if length > 0x7FFF_FFFF { return "corrupt PNG: chunk \(type) has length \(length)" }
            if pos + 12 + length > b.count { return "truncated PNG: chunk \(type) runs past the end of the file" }
            if first && type != "IHDR" { return "corrupt PNG: first chunk is \(type), not IHDR" }
            first = false
            let stored = be32(b, pos + 8 + length)
            if CRC32.of(UnsafeBufferPointer(rebasing: b[(pos + 4)..<(pos + 8 + length)])) != stored {
                return "corrupt PNG: CRC mismatch in chunk \(type)"
            }
            if type == "IDAT" { sawData = true }
            if type == "IEND" { return sawData ? nil : "corrupt PNG: no IDAT chunk" }
            pos += 12 + length
        }
    }

    @inline(__always) private static func be32(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    @inline(__always) private static func isLetter(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    // MARK: JPEG

    private static func jpegProblem(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        let n = b.count
        var pos = 2
        var sawScan = false
        while true {
            // A marker: 0xFF, any number of 0xFF fill bytes, then the marker code.
            if pos >= n { return "truncated JPEG: no end-of-image marker" }
            if b[pos] != 0xFF { return "corrupt JPEG: stray bytes before a marker at byte \(pos)" }
            while pos < n && b[pos] == 0xFF { pos += 1 }
            if pos >= n { return "truncated JPEG: no end-of-image marker" }
            let marker = b[pos]
            pos += 1
            switch marker {
            case 0xD9:
                return sawScan ? nil : "corrupt JPEG: end-of-image marker before any scan"
            case 0x00:
                return "corrupt JPEG: stray bytes before a marker at byte \(pos - 2)"
            case 0x01, 0xD0...0xD7:
                continue  // no length, no payload
            case 0xD8:
                return "corrupt JPEG: second start-of-image marker at byte \(pos - 2)"
            default:
                if pos + 2 > n { return "truncated JPEG: no end-of-image marker" }
                let length = Int(b[pos]) << 8 | Int(b[pos + 1])
                if length < 2 { return "corrupt JPEG: segment length \(length) at byte \(pos)" }
                if pos + length > n { return "truncated JPEG: segment 0x\(hex(marker)) runs past the end of the file" }
                pos += length
                if marker == 0xDA {
                    sawScan = true
                    // Entropy-coded data: a 0xFF is followed by 0x00 (a stuffed byte) or a restart
                    // marker inside it; anything else is the next marker.
                    while true {
                        guard let ff = nextFF(b, from: pos) else { return "truncated JPEG: no end-of-image marker" }
                        if ff + 1 >= n { return "truncated JPEG: no end-of-image marker" }
                        let next = b[ff + 1]
                        if next == 0x00 || (next >= 0xD0 && next <= 0xD7) { pos = ff + 2; continue }
                        if next == 0xFF { pos = ff + 1; continue }  // fill byte before a marker
                        pos = ff
                        break
                    }
                }
            }
        }
    }

    @inline(__always) private static func nextFF(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < b.count, let base = b.baseAddress else { return nil }
        guard let p = memchr(base + start, 0xFF, b.count - start) else { return nil }
        return UnsafeRawPointer(p) - UnsafeRawPointer(base)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

/// Reads a whole file into memory, for decoders that take a buffer.
public enum ImageFile {
    /// The most pixels (width × height, from the file's header) a stage decodes by default
    /// (`--max-pixels` of kdsl-ocr and kdsl-model): a decoded RGBA image of this size is 200 MB;
    /// a larger one is refused before any pixel is decoded.
    public static let defaultMaxPixels = 50_000_000

    /// Why an image of `width`×`height` (from its header) is not decoded under `maxPixels`, or nil:
    /// the words every stage reports.
    public static func sizeProblem(width: Int, height: Int, maxPixels: Int) -> String? {
        width * height > maxPixels ? "image too large: \(width)x\(height) = \(width * height) pixels, over --max-pixels \(maxPixels)" : nil
    }

    /// The bytes of the regular file at `path`, or the reason it cannot be read: the system's
    /// message (`No such file or directory`, `Permission denied`), `is a directory`, `not a
    /// regular file`, or `file too large: N bytes` over `maxBytes`.
    public static func load(_ path: String, maxBytes: Int) -> Result<[UInt8], ImageReadError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(ImageReadError(systemMessage(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { return .failure(ImageReadError(systemMessage(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(ImageReadError("is a directory")) }
        if (st.st_mode & S_IFMT) != S_IFREG { return .failure(ImageReadError("not a regular file")) }
        if Int(st.st_size) > maxBytes { return .failure(ImageReadError("file too large: \(st.st_size) bytes")) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; return .failure(ImageReadError(systemMessage(errno))) }
            if n == 0 { break }
            off += n
        }
        bytes.removeSubrange(off...)
        return .success(bytes)
    }

    private static func systemMessage(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Why an image file could not be read.
public struct ImageReadError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// CRC-32 (ISO-HDLC, the checksum of PNG chunks and zlib), slicing by 8 bytes.
enum CRC32 {
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
        }
        return t
    }()

    static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        var i = 0
        let n = bytes.count
        tables.withUnsafeBufferPointer { t in
            while i + 8 <= n {
                let lo = c ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])]
                    ^ t[1 * 256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
        }
        return c ^ 0xFFFF_FFFF
    }
}

/// The image paths a record names: `images` (a path string or an array of them) or, when it has
/// no `images`, `image`; or the field at `field` when given. Shared by kdsl-ocr and kdsl-model
/// so that both read the same paths and report a wrong shape in the same words.
public enum ImagePaths {
    /// The paths in order; `[]` when the field is absent or null. Throws `RecordError` when it
    /// has the wrong shape, e.g. `images[0] is a number, expected a path string`.
    public static func of(_ record: Record, field: FieldPath? = nil) throws -> [String] {
        if let field {
            guard let value = record.value(at: field) else { return [] }
            return try paths(value, name: field.description)
        }
        if let value = record.value(at: "images") { return try paths(value, name: "images") }
        if let value = record.value(at: "image") { return try paths(value, name: "image") }
        return []
    }

    private static func paths(_ value: JSON, name: String) throws -> [String] {
        switch value {
        case .null: return []
        case .string(let s): return [s]
        case .array(let items):
            return try items.enumerated().map { i, item in
                guard let s = item.stringValue else { throw RecordError("\(name)[\(i)] is \(item.kindName), expected a path string") }
                return s
            }
        default: throw RecordError("\(name) is \(value.kindName), expected a path string or an array of them")
        }
    }
}
