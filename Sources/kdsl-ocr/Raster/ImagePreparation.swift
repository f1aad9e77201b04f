import Images

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
            return image.grayscale() ?? image
        case .upscale:
            guard let gray = image.grayscale() else { return image }
            if min(gray.width, gray.height) >= 1000 { return gray }
            return gray.scaled(by: 2) ?? gray
        }
    }
}
