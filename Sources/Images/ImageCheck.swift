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
