internal import CTesseract

/// Optional image preparation before recognition (`--prepare`). Off by default: it is kept only
/// where it measurably lowers the character error rate (see docs/benchmarks.md).
enum ImagePreparation: String, Sendable, CaseIterable {
    /// The decoded image as is (Tesseract binarises internally).
    case none
    /// Converted to 8-bit grayscale first.
    case gray
    /// Grayscale, and images under 1000 px on their short side scaled up 2× (small text reads better
    /// at a larger x-height).
    case upscale

    func apply(to image: DecodedImage) -> DecodedImage {
        switch self {
        case .none: return image
        case .gray:
            guard let g = pixConvertTo8(image.pix, 0) else { return image }
            return DecodedImage(pix: g)
        case .upscale:
            guard let g = pixConvertTo8(image.pix, 0) else { return image }
            let gray = DecodedImage(pix: g)
            if min(gray.width, gray.height) >= 1000 { return gray }
            guard let s = pixScale(gray.pix, 2, 2) else { return gray }
            return DecodedImage(pix: s)
        }
    }
}
