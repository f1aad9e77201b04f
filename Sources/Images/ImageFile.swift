import JSONLines

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole image file into memory (decoders take a buffer), and the limits every stage applies.
public enum ImageFile {
    /// The most pixels (width × height, from the file's header) a stage decodes by default
    /// (`--max-pixels` of kdsl-ocr and kdsl-model): a decoded RGBA image of this size is 200 MB;
    /// a larger one is refused before any pixel is decoded.
    public static let defaultMaxPixels = 50_000_000

    /// The largest image file a stage reads (it is held in memory while decoding): 256 MiB.
    public static let defaultMaxFileBytes = 1 << 28

    /// Why an image of `width`×`height` (from its header) is not decoded under `maxPixels`, or nil:
    /// the words every stage reports.
    public static func sizeProblem(width: Int, height: Int, maxPixels: Int) -> String? {
        width * height > maxPixels ? "image too large: \(width)x\(height) = \(width * height) pixels, over --max-pixels \(maxPixels)" : nil
    }

    /// The bytes of the regular file at `path`, or the reason it cannot be read: the system's
    /// message (`No such file or directory`, `Permission denied`), `is a directory`, `not a
    /// regular file (a FIFO)` (never waited on), or `file too large: N bytes` over `maxBytes`.
    public static func load(_ path: String, maxBytes: Int) -> Result<[UInt8], ImageError> {
        let fd: Int32
        switch RegularFile.open(path) {
        case .success(let f): fd = f
        case .failure(let e): return .failure(ImageError(e.message))
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { return .failure(ImageError(systemMessage(errno))) }
        if Int(st.st_size) > maxBytes { return .failure(ImageError("file too large: \(st.st_size) bytes")) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; return .failure(ImageError(systemMessage(errno))) }
            if n == 0 { break }
            off += n
        }
        bytes.removeSubrange(off...)
        return .success(bytes)
    }

    private static func systemMessage(_ code: Int32) -> String { String(cString: strerror(code)) }
}
