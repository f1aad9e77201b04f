// The only file that imports Leptonica: its Box/Pix/Sel types clash with Swift names elsewhere.
import CTesseract
import Shared
#if canImport(Glibc)
import Glibc
#endif

/// Image features computed from the pixels (issue: "a small grayscale grid, a colour histogram,
/// aspect ratio, size"). The paper's model sees the image itself (§2.2); a linear model sees this
/// summary. Layout (`count` floats), each in [0, 1] or a log scale before standardisation:
///
/// | range | what |
/// |---|---|
/// | 0..<64 | 8×8 grid of mean luminance |
/// | 64..<112 | 4×4 grid of mean R, G, B |
/// | 112..<176 | 4×4×4 RGB histogram (fractions of pixels) |
/// | 176..<187 | mean and std of luminance, near-white and near-black fractions, horizontal and vertical edge density, mean saturation, log aspect (h/w), log width, log height, log(1 + images) |
///
/// A horizontal flip (`--augment flip`, the paper's augmentation) mirrors the two grids; the
/// histogram and the statistics do not change under it.
enum ImageFeatures {
    static let grayGrid = 8
    static let colourGrid = 4
    static let bins = 4
    static let count = grayGrid * grayGrid + colourGrid * colourGrid * 3 + bins * bins * bins + 11

    /// Decodes with a JPEG DCT reduction so that the short side stays ≥ this many pixels:
    /// decoding a 1920 px photo at 1/8 costs a fraction of a full decode (see the benchmarks).
    nonisolated(unsafe) static var minimumShortSide: Int32 = 64

    /// Leptonica prints warnings for odd JPEGs on stderr; quiet them once per process.
    static let quiet: Void = { setMsgSeverity(Int32(L_SEVERITY_NONE)) ; return () }()

    /// Features of one image file, or nil when it cannot be read or decoded.
    static func of(path: String) -> [Float]? {
        _ = quiet
        var format: Int32 = 0, w: Int32 = 0, h: Int32 = 0, bps: Int32 = 0, spp: Int32 = 0, cmap: Int32 = 0
        guard pixReadHeader(path, &format, &w, &h, &bps, &spp, &cmap) == 0, w > 0, h > 0 else { return nil }
        var pix: UnsafeMutablePointer<PIX>?
        if format == Int32(IFF_JFIF_JPEG) {
            var reduction: Int32 = 8
            while reduction > 1 && min(w, h) / reduction < minimumShortSide { reduction /= 2 }
            pix = pixReadJpeg(path, 0, reduction, nil, 0)
        } else {
            pix = pixRead(path)
        }
        guard let source = pix else { return nil }
        defer { pixDestroy(&pix) }
        var rgb = pixConvertTo32(source)
        guard let image = rgb else { return nil }
        defer { pixDestroy(&rgb) }
        let pw = Int(pixGetWidth(image)), ph = Int(pixGetHeight(image)), wpl = Int(pixGetWpl(image))
        guard pw > 0, ph > 0, let data = pixGetData(image) else { return nil }
        return summarise(width: pw, height: ph, originalWidth: Int(w), originalHeight: Int(h)) { x, y in
            let word = data[y * wpl + x]
            return (Float((word >> 24) & 0xFF), Float((word >> 16) & 0xFF), Float((word >> 8) & 0xFF))
        }
    }

    /// The feature vector of a `width`×`height` image whose pixels `pixel(x, y)` returns as RGB 0...255.
    /// Separate from decoding so that tests can feed synthetic pixels.
    static func summarise(width pw: Int, height ph: Int, originalWidth: Int, originalHeight: Int,
                          pixel: (Int, Int) -> (Float, Float, Float)) -> [Float] {
        var f = [Float](repeating: 0, count: count)
        let g = grayGrid, cg = colourGrid
        var grayCount = [Float](repeating: 0, count: g * g)
        var colourCount = [Float](repeating: 0, count: cg * cg)
        let colourBase = g * g, histBase = colourBase + cg * cg * 3, statBase = histBase + bins * bins * bins
        var sum: Double = 0, sumSq: Double = 0, white = 0, black = 0, sat: Double = 0
        var edgeH: Double = 0, edgeV: Double = 0
        var previousRow = [Float](repeating: 0, count: pw)
        for y in 0..<ph {
            let gy = y * g / ph, cy = y * cg / ph
            var left: Float = 0
            for x in 0..<pw {
                let (r, gr, b) = pixel(x, y)
                let lum = (0.299 * r + 0.587 * gr + 0.114 * b) / 255
                let gi = gy * g + x * g / pw
                f[gi] += lum; grayCount[gi] += 1
                let ci = cy * cg + x * cg / pw
                f[colourBase + ci * 3] += r / 255; f[colourBase + ci * 3 + 1] += gr / 255; f[colourBase + ci * 3 + 2] += b / 255
                colourCount[ci] += 1
                let bin = (Int(r) * bins / 256) * bins * bins + (Int(gr) * bins / 256) * bins + Int(b) * bins / 256
                f[histBase + bin] += 1
                sum += Double(lum); sumSq += Double(lum * lum)
                if lum > 0.9 { white += 1 } else if lum < 0.1 { black += 1 }
                let mx = max(r, gr, b), mn = min(r, gr, b)
                sat += mx > 0 ? Double((mx - mn) / mx) : 0
                if x > 0 && abs(lum - left) > 0.08 { edgeH += 1 }
                if y > 0 && abs(lum - previousRow[x]) > 0.08 { edgeV += 1 }
                left = lum
                previousRow[x] = lum
            }
        }
        for i in 0..<(g * g) where grayCount[i] > 0 { f[i] /= grayCount[i] }
        for i in 0..<(cg * cg) where colourCount[i] > 0 { for c in 0..<3 { f[colourBase + i * 3 + c] /= colourCount[i] } }
        let n = Double(pw * ph)
        for i in 0..<(bins * bins * bins) { f[histBase + i] = Float(Double(f[histBase + i]) / n) }
        let mean = sum / n
        f[statBase] = Float(mean)
        f[statBase + 1] = Float(max(0, sumSq / n - mean * mean).squareRoot())
        f[statBase + 2] = Float(Double(white) / n)
        f[statBase + 3] = Float(Double(black) / n)
        f[statBase + 4] = Float(edgeH / max(1, Double((pw - 1) * ph)))
        f[statBase + 5] = Float(edgeV / max(1, Double(pw * (ph - 1))))
        f[statBase + 6] = Float(sat / n)
        f[statBase + 7] = Float(log(Double(originalHeight) / Double(originalWidth)))
        f[statBase + 8] = Float(log(Double(originalWidth)))
        f[statBase + 9] = Float(log(Double(originalHeight)))
        f[statBase + 10] = 0  // log(1 + images), set by the caller that averages a record's images
        return f
    }

    /// `features` of a horizontally mirrored image (§2.2 data augmentation: horizontal flip).
    static func flipped(_ features: [Float]) -> [Float] {
        var out = features
        let g = grayGrid, cg = colourGrid, colourBase = g * g
        for y in 0..<g { for x in 0..<g { out[y * g + x] = features[y * g + (g - 1 - x)] } }
        for y in 0..<cg {
            for x in 0..<cg {
                for c in 0..<3 { out[colourBase + (y * cg + x) * 3 + c] = features[colourBase + (y * cg + (cg - 1 - x)) * 3 + c] }
            }
        }
        return out
    }

    /// The averaged features of a record's images (paths joined to `root` unless absolute), with
    /// the image count; `failed` counts images that could not be decoded (they add nothing).
    /// Returns nil when the record has no image that decoded.
    static func of(paths: [String], root: String, failed: inout Int) -> [Float]? {
        var total: [Float]? = nil
        var decoded = 0
        for p in paths {
            let full = p.hasPrefix("/") || root.isEmpty ? p : (root.hasSuffix("/") ? root + p : root + "/" + p)
            guard let f = of(path: full) else { failed += 1; continue }
            if total == nil { total = f } else { for i in 0..<count { total![i] += f[i] } }
            decoded += 1
        }
        guard var t = total else { return nil }
        if decoded > 1 { for i in 0..<count { t[i] /= Float(decoded) } }
        t[count - 1] = Float(log(1 + Double(paths.count)))
        return t
    }
}
