internal import CTesseract

#if canImport(Glibc)
import Glibc
#endif

/// An image decoded by Leptonica, owned by this object (freed on deinit).
final class DecodedImage {
    let pix: UnsafeMutablePointer<Pix>
    var width: Int { Int(pixGetWidth(pix)) }
    var height: Int { Int(pixGetHeight(pix)) }
    init(pix: UnsafeMutablePointer<Pix>) { self.pix = pix }
    deinit {
        var p: UnsafeMutablePointer<Pix>? = pix
        pixDestroy(&p)
    }
}

/// Why an image could not be decoded; the message goes into `ocr.images[i].error`.
struct ImageError: Error, Equatable {
    let message: String
    /// Dimensions when the header could be read (a refused huge image still reports them).
    var width = 0, height = 0
    init(_ message: String, width: Int = 0, height: Int = 0) { self.message = message; self.width = width; self.height = height }
}

/// Reads and decodes image files with Leptonica (JPEG, PNG, TIFF, GIF, WebP, BMP, PNM...).
///
/// The file is read into memory first so that a missing, unreadable or directory path gets the
/// system's own reason; the header is then read alone, so an absurd pixel count (a decompression
/// bomb) is refused before any pixel memory is allocated.
struct ImageDecoder: Sendable {
    /// Largest accepted width × height.
    var maxPixels: Int
    /// Largest accepted file size in bytes (the file is held in memory while decoding).
    var maxFileBytes = 1 << 28

    static let silenceLeptonica: Void = { _ = setMsgSeverity(Int32(L_SEVERITY_NONE)) }()

    func decode(path: String) -> Result<DecodedImage, ImageError> {
        _ = ImageDecoder.silenceLeptonica
        let bytes: [UInt8]
        switch readFile(path) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(e)
        }
        if bytes.isEmpty { return .failure(ImageError("empty file")) }
        var format: Int32 = 0, w: Int32 = 0, h: Int32 = 0, bps: Int32 = 0, spp: Int32 = 0, cmap: Int32 = 0
        let header = bytes.withUnsafeBufferPointer { pixReadHeaderMem($0.baseAddress, $0.count, &format, &w, &h, &bps, &spp, &cmap) }
        if header != 0 || format == Int32(IFF_UNKNOWN) {
            return .failure(ImageError("not a recognised image format"))
        }
        if w <= 0 || h <= 0 { return .failure(ImageError("image has no pixels (\(w)x\(h))")) }
        if Int(w) * Int(h) > maxPixels {
            return .failure(ImageError("image too large: \(w)x\(h) = \(Int(w) * Int(h)) pixels, over --max-pixels \(maxPixels)",
                                       width: Int(w), height: Int(h)))
        }
        guard let pix = bytes.withUnsafeBufferPointer({ pixReadMem($0.baseAddress, $0.count) }) else {
            return .failure(ImageError("cannot decode image (truncated or corrupt)", width: Int(w), height: Int(h)))
        }
        return .success(DecodedImage(pix: pix))
    }

    private func readFile(_ path: String) -> Result<[UInt8], ImageError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(ImageError(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { return .failure(ImageError(String(cString: strerror(errno)))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(ImageError("is a directory")) }
        if (st.st_mode & S_IFMT) != S_IFREG { return .failure(ImageError("not a regular file")) }
        if Int(st.st_size) > maxFileBytes { return .failure(ImageError("file too large: \(st.st_size) bytes")) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; return .failure(ImageError(String(cString: strerror(errno)))) }
            if n == 0 { break }
            off += n
        }
        bytes.removeSubrange(off...)
        return .success(bytes)
    }
}
