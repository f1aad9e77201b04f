internal import CLeptonica

/// The one image decoder of every stage: reads a file, checks it, and decodes it with Leptonica
/// (JPEG, PNG, TIFF, GIF, WebP, BMP, PNM...).
///
/// The file is read into memory first so that a missing, unreadable or directory path gets the
/// system's own reason, and a PNG or JPEG whose structure is broken (cut short, bad chunk
/// checksum) gets ours (`ImageCheck`) instead of libpng's or libjpeg's lines on stderr; the
/// header is then read alone, so an absurd pixel count (a decompression bomb) is refused before
/// any pixel memory is allocated.
public struct ImageDecoder: Sendable {
    /// Largest accepted width × height, from the header (`--max-pixels`).
    public var maxPixels: Int
    /// Largest accepted file size in bytes (the file is held in memory while decoding).
    public var maxFileBytes: Int

    public init(maxPixels: Int = ImageFile.defaultMaxPixels, maxFileBytes: Int = ImageFile.defaultMaxFileBytes) {
        self.maxPixels = maxPixels; self.maxFileBytes = maxFileBytes
    }

    /// Leptonica's own messages (warnings on odd JPEGs, read errors) go to stderr outside the
    /// stages' `kdsl-<stage>: line N:` format; every failure is reported by the caller instead.
    private static let silenceLeptonica: Void = { _ = setMsgSeverity(Int32(L_SEVERITY_NONE)) }()

    /// Decodes the image at `path`. With `jpegMinimumShortSide`, a JPEG is decoded with the largest
    /// DCT reduction (1/2, 1/4, 1/8) that keeps its short side at least that many pixels: a
    /// fraction of a full decode, for stages that only summarise the pixels.
    public func decode(path: String, jpegMinimumShortSide: Int? = nil) -> Result<DecodedImage, ImageError> {
        _ = ImageDecoder.silenceLeptonica
        let bytes: [UInt8]
        switch ImageFile.load(path, maxBytes: maxFileBytes) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(e)
        }
        if bytes.isEmpty { return .failure(ImageError("empty file")) }
        // A cut or corrupt PNG/JPEG is refused before libpng/libjpeg print on stderr.
        if let problem = ImageCheck.problem(in: bytes) { return .failure(ImageError(problem)) }
        return bytes.withUnsafeBufferPointer { buffer in
            let data = buffer.baseAddress!, size = buffer.count
            var format: Int32 = 0, w: Int32 = 0, h: Int32 = 0, bps: Int32 = 0, spp: Int32 = 0, cmap: Int32 = 0
            if pixReadHeaderMem(data, size, &format, &w, &h, &bps, &spp, &cmap) != 0 || format == Int32(IFF_UNKNOWN) {
                return .failure(ImageError("not a recognised image format"))
            }
            if w <= 0 || h <= 0 { return .failure(ImageError("image has no pixels (\(w)x\(h))")) }
            let width = Int(w), height = Int(h)
            if let tooLarge = ImageFile.sizeProblem(width: width, height: height, maxPixels: maxPixels) {
                return .failure(ImageError(tooLarge, width: width, height: height))
            }
            let pix: UnsafeMutablePointer<PIX>?
            if let shortSide = jpegMinimumShortSide, format == Int32(IFF_JFIF_JPEG) {
                var reduction = 8
                while reduction > 1 && min(width, height) / reduction < shortSide { reduction /= 2 }
                pix = pixReadMemJpeg(data, size, 0, Int32(reduction), nil, 0)
            } else {
                pix = pixReadMem(data, size)
            }
            guard let pix else {
                return .failure(ImageError("cannot decode image (truncated or corrupt)", width: width, height: height))
            }
            return .success(DecodedImage(pix: pix, fileWidth: width, fileHeight: height))
        }
    }
}
