internal import CLeptonica

/// An image decoded by Leptonica, owned by this object (freed on deinit). Leptonica's types stay
/// inside this module (its Box/Pix/Sel would shadow Swift names); stages read the pixels through
/// `withRGBWords` and hand the image to Tesseract as `leptonicaPix`.
public final class DecodedImage: @unchecked Sendable {
    let pix: UnsafeMutablePointer<PIX>
    /// The size in the file's header (a JPEG decoded with a DCT reduction is smaller: `width`).
    public let fileWidth: Int, fileHeight: Int
    /// The decoded size.
    public var width: Int { Int(pixGetWidth(pix)) }
    public var height: Int { Int(pixGetHeight(pix)) }

    init(pix: UnsafeMutablePointer<PIX>, fileWidth: Int, fileHeight: Int) {
        self.pix = pix; self.fileWidth = fileWidth; self.fileHeight = fileHeight
    }

    private convenience init(derivedFrom source: DecodedImage, pix: UnsafeMutablePointer<PIX>) {
        self.init(pix: pix, fileWidth: source.fileWidth, fileHeight: source.fileHeight)
    }

    deinit {
        var p: UnsafeMutablePointer<PIX>? = pix
        pixDestroy(&p)
    }

    /// Leptonica's `PIX *`, for C APIs that take one (Tesseract's `TessBaseAPISetImage2`); valid
    /// while this object lives.
    public var leptonicaPix: OpaquePointer { OpaquePointer(pix) }

    /// The image as 8-bit grayscale, or nil when Leptonica cannot convert it.
    public func grayscale() -> DecodedImage? {
        pixConvertTo8(pix, 0).map { DecodedImage(derivedFrom: self, pix: $0) }
    }

    /// The image scaled by `factor` in both directions, or nil when Leptonica cannot scale it.
    public func scaled(by factor: Float) -> DecodedImage? {
        pixScale(pix, factor, factor).map { DecodedImage(derivedFrom: self, pix: $0) }
    }

    /// What to do with an alpha channel when reading RGB.
    public enum Alpha: Sendable {
        /// Composite over white (a transparent screenshot margin reads as paper, not as black).
        case overWhite
        /// Take the colour channels as stored.
        case ignored
    }

    /// Calls `body` with the pixels as 32-bit words 0xRRGGBBAA; gray, palette and low-depth images
    /// are expanded first. Nil when the pixels cannot be converted.
    public func withRGBWords<R>(alpha: Alpha, _ body: (RGBWords) -> R) -> R? {
        let blend = alpha == .overWhite && pixGetSpp(pix) == 4 && pixGetDepth(pix) == 32
        var owned: UnsafeMutablePointer<PIX>? = nil
        if blend {
            owned = pixAlphaBlendUniform(pix, 0xFFFFFF00)
        } else if pixGetDepth(pix) != 32 || pixGetColormap(pix) != nil {
            owned = pixConvertTo32(pix)
        }
        defer { if owned != nil { pixDestroy(&owned) } }
        if owned == nil && (blend || pixGetDepth(pix) != 32 || pixGetColormap(pix) != nil) { return nil }
        let source = owned ?? pix
        let w = Int(pixGetWidth(source)), h = Int(pixGetHeight(source))
        guard w > 0, h > 0, let data = pixGetData(source) else { return nil }
        return body(RGBWords(width: w, height: h, wordsPerLine: Int(pixGetWpl(source)), base: UnsafePointer(data)))
    }
}

/// A read-only view of 32-bit pixels 0xRRGGBBAA, rows `wordsPerLine` words apart.
public struct RGBWords {
    public let width: Int, height: Int, wordsPerLine: Int
    public let base: UnsafePointer<UInt32>

    @inline(__always) public func row(_ y: Int) -> UnsafePointer<UInt32> { base + y * wordsPerLine }
    @inline(__always) public subscript(x: Int, y: Int) -> UInt32 { base[y * wordsPerLine + x] }
}
