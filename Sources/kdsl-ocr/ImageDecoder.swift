internal import CTesseract
import Shared

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
/// system's own reason, and a PNG or JPEG whose structure is broken (cut short, bad chunk
/// checksum) gets ours (`ImageCheck`) instead of libpng's or libjpeg's lines on stderr; the
/// header is then read alone, so an absurd pixel count (a decompression bomb) is refused before
/// any pixel memory is allocated.
struct ImageDecoder: Sendable {
    /// Largest accepted width × height.
    var maxPixels: Int
    /// Largest accepted file size in bytes (the file is held in memory while decoding).
    var maxFileBytes = 1 << 28

    static let silenceLeptonica: Void = { _ = setMsgSeverity(Int32(L_SEVERITY_NONE)) }()

    func decode(path: String) -> Result<DecodedImage, ImageError> {
        _ = ImageDecoder.silenceLeptonica
        let bytes: [UInt8]
        switch ImageFile.load(path, maxBytes: maxFileBytes) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(ImageError(e.message))
        }
        if bytes.isEmpty { return .failure(ImageError("empty file")) }
        // A cut or corrupt PNG/JPEG is refused before libpng/libjpeg print on stderr.
        if let problem = ImageCheck.problem(in: bytes) { return .failure(ImageError(problem)) }
        var format: Int32 = 0, w: Int32 = 0, h: Int32 = 0, bps: Int32 = 0, spp: Int32 = 0, cmap: Int32 = 0
        let header = bytes.withUnsafeBufferPointer { pixReadHeaderMem($0.baseAddress, $0.count, &format, &w, &h, &bps, &spp, &cmap) }
        if header != 0 || format == Int32(IFF_UNKNOWN) {
            return .failure(ImageError("not a recognised image format"))
        }
        if w <= 0 || h <= 0 { return .failure(ImageError("image has no pixels (\(w)x\(h))")) }
        if let tooLarge = ImageFile.sizeProblem(width: Int(w), height: Int(h), maxPixels: maxPixels) {
            return .failure(ImageError(tooLarge, width: Int(w), height: Int(h)))
        }
        guard let pix = bytes.withUnsafeBufferPointer({ pixReadMem($0.baseAddress, $0.count) }) else {
            return .failure(ImageError("cannot decode image (truncated or corrupt)", width: Int(w), height: Int(h)))
        }
        return .success(DecodedImage(pix: pix))
    }
}
