import JSONLines
import RecordKeys
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the text sits on a record's images: kdsl-ocr's `ocr.images[i].lines` (each line's text
/// and box) read into what screenshots are told apart by, for rules and the model alike
/// (docs/records.md, "Text views"):
/// - `title`: the lines whose box centre lies in the band below the phone's status bar, from
///   `titleBand.lowerBound` to `titleBand.upperBound` of the image height (the page title, a
///   shop name, the tabs under it); the status bar above it (clock, carrier, battery) is left out;
/// - `bottom`: the lines whose centre lies in the last `1 - bottomFrom` of the height (the tab
///   bar, the buttons of an order or refund page);
/// - `features`: a fixed-length summary of the geometry (`featureNames`), for the model.
/// Images are taken in order; their lines keep kdsl-ocr's reading order, joined by "\n".
/// A record without lines (no images, Tesseract's output, nothing read) has empty views and the
/// summary of no text.
public struct ScreenLayout: Sendable, Equatable {
    /// One line of text, its box in fractions of its image's width and height.
    public struct Line: Sendable, Equatable {
        public var text: String
        public var x0: Double, y0: Double, x1: Double, y1: Double
        public var centreY: Double { (y0 + y1) / 2 }
    }

    /// The lines of each image that has a size, in order.
    public private(set) var images: [[Line]] = []
    /// Height / width of each of those images.
    public private(set) var aspects: [Double] = []

    /// Title band, in fractions of the image height (centre of the line's box).
    public static let titleBand = 0.035..<0.16
    /// Bottom band: centres at or below this fraction of the height.
    public static let bottomFrom = 0.88

    public init() {}

    /// Reads `images`, the value of `ocr.images`: the images with a size and their lines
    /// (`OCRValue.linesOfImages`; anything of another shape is skipped: the views are what the
    /// OCR stage could tell).
    public init(json: JSON?) {
        for image in OCRValue.linesOfImages(json) {
            let (w, h) = (image.width, image.height)
            images.append(image.lines.map { l in
                Line(text: l.text, x0: l.box[0] / w, y0: l.box[1] / h, x1: l.box[2] / w, y1: l.box[3] / h)
            })
            aspects.append(h / w)
        }
    }

    /// The texts of the lines whose centre `band` holds, image after image, joined by "\n".
    private func text(_ band: (Double) -> Bool) -> String {
        var parts: [String] = []
        for lines in images { for l in lines where band(l.centreY) { parts.append(l.text) } }
        return parts.joined(separator: "\n")
    }

    /// The `title` view.
    public var title: String { text { Self.titleBand.contains($0) } }
    /// The `bottom` view.
    public var bottom: String { text { $0 >= Self.bottomFrom } }

    /// Vertical bands of the line histogram in `features`.
    public static let histogramBands = 8

    /// What each entry of `features` is (docs/records.md lists the same).
    public static let featureNames: [String] =
        ["log lines", "no text", "aspect", "text area", "line height", "line width"]
        + (0..<histogramBands).map { "lines in band \($0 + 1)/\(histogramBands)" }
        + ["title lines", "bottom lines"]

    /// The geometry summary, averaged over the images that have a size (all zeros without one):
    /// log(1 + lines); 1 when no line was read; height/width clipped to 4; the share of the
    /// image the boxes cover; the mean box height and width (fractions of the image); the share of
    /// lines whose centre lies in each of `histogramBands` equal vertical bands; log(1 + lines)
    /// in the title and the bottom band. Every entry is symmetric under a horizontal flip.
    public var features: [Float] {
        var f = [Double](repeating: 0, count: Self.featureNames.count)
        guard !images.isEmpty else { return f.map(Float.init) }
        let bands = Self.histogramBands
        for (lines, aspect) in zip(images, aspects) {
            let n = Double(lines.count)
            f[0] += log(1 + n)
            f[1] += lines.isEmpty ? 1 : 0
            f[2] += min(aspect, 4)
            var area = 0.0, height = 0.0, width = 0.0, title = 0.0, bottom = 0.0
            for l in lines {
                let w = max(0, l.x1 - l.x0), h = max(0, l.y1 - l.y0)
                area += w * h; height += h; width += w
                let c = min(max(l.centreY, 0), 1)
                f[6 + min(bands - 1, Int(c * Double(bands)))] += 1 / n
                if Self.titleBand.contains(l.centreY) { title += 1 }
                if l.centreY >= Self.bottomFrom { bottom += 1 }
            }
            f[3] += min(area, 1)
            if n > 0 { f[4] += height / n; f[5] += width / n }
            f[6 + bands] += log(1 + title)
            f[7 + bands] += log(1 + bottom)
        }
        let k = Double(images.count)
        return f.map { Float($0 / k) }
    }
}
