import Images
import JSONLines
#if canImport(Glibc)
import Glibc
#endif

/// Image features computed from the pixels: a small grayscale grid, colour grids and a colour
/// histogram, the aspect ratio and the size. The paper's model sees the image itself (§2.2); a
/// linear model needs a fixed-length vector, and this summary is cheap to compute and needs no
/// pretrained network. Layout (`count` floats), each in [0, 1] or a log scale before standardisation:
///
/// | range | what |
/// |---|---|
/// | 0..<64 | 8×8 grid of mean luminance |
/// | 64..<112 | 4×4 grid of mean R, G, B |
/// | 112..<176 | 4×4×4 RGB histogram (fractions of pixels) |
/// | 176..<187 | mean and std of luminance, near-white and near-black fractions, horizontal and vertical edge density, mean saturation, log aspect (h/w), log width, log height, log(1 + images) |
/// | 187..<3967 | histogram of oriented gradients (Dalal & Triggs 2005) of the image resampled to 64×128 |
///
/// The gradient histograms describe the layout (text lines, buttons, photo texture) that tells
/// screenshot kinds apart; measured on the WWW2025 scene records (image features only, logistic
/// regression, 5-fold CV) they gave weighted F1 0.48 where the summary above gave 0.40.
///
/// A horizontal flip (`--augment flip`, the paper's augmentation) mirrors the two grids and the
/// gradient cells (with their orientations); the histogram and the statistics do not change under it.
enum ImageFeatures {
    static let grayGrid = 8
    static let colourGrid = 4
    static let bins = 4
    static let summaryCount = grayGrid * grayGrid + colourGrid * colourGrid * 3 + bins * bins * bins + 11
    /// Where `of(paths:)` writes log(1 + number of images).
    static let imageCountIndex = summaryCount - 1
    static let count = summaryCount + Gradients.count
    /// The blocks that share the image weight equally when standardised.
    static let groups = [0..<summaryCount, summaryCount..<count]

    /// JPEGs are decoded with a DCT reduction so that the short side stays ≥ this many pixels
    /// by default: decoding a 1920 px photo at 1/8 costs a fraction of a full decode (see the
    /// benchmarks).
    static let defaultShortSide = 64

    /// Features of one image file, or why it cannot be read or decoded (the reasons kdsl-ocr
    /// gives: both decode with `ImageDecoder`). A JPEG is decoded with a DCT reduction that keeps
    /// its short side at least `minimumShortSide`.
    static func of(path: String, minimumShortSide: Int = defaultShortSide, decoder: ImageDecoder) -> Result<[Float], ImageError> {
        let image: DecodedImage
        switch decoder.decode(path: path, jpegMinimumShortSide: minimumShortSide) {
        case .success(let decoded): image = decoded
        case .failure(let e): return .failure(e)
        }
        let features = image.withRGBWords(alpha: .ignored) { pixels in
            summarise(width: pixels.width, height: pixels.height, originalWidth: image.fileWidth, originalHeight: image.fileHeight) { x, y in
                let word = pixels[x, y]
                return (Float((word >> 24) & 0xFF), Float((word >> 16) & 0xFF), Float((word >> 8) & 0xFF))
            }
        }
        guard let features else { return .failure(ImageError("cannot convert image to RGB")) }
        return .success(features)
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
        var resampler = Gradients.Resampler(width: pw, height: ph)
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
            resampler.add(row: previousRow, y: y)  // the row's luminance, for the gradient histograms
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
        let gradients = Gradients.histograms(gray: resampler.finish())
        for i in 0..<Gradients.count { f[summaryCount + i] = gradients[i] }
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
        Gradients.flip(features, into: &out, base: summaryCount)
        return out
    }

    /// An image of a record that could not be used: its path as written in the record, and why.
    struct Failure: Equatable {
        var path: String
        var reason: String
    }

    /// The averaged features of a record's images (paths joined to `root` unless absolute), with
    /// the image count; images that could not be read or decoded add nothing and are appended to
    /// `failures`, in the record's order. Returns nil when the record has no image that decoded.
    static func of(paths: [String], root: String, minimumShortSide: Int = defaultShortSide, maxPixels: Int = ImageFile.defaultMaxPixels,
                   failures: inout [Failure]) -> [Float]? {
        let decoder = ImageDecoder(maxPixels: maxPixels)
        var total: [Float]? = nil
        var decoded = 0
        for p in paths {
            let f: [Float]
            switch of(path: ImagePaths.resolve(p, root: root), minimumShortSide: minimumShortSide, decoder: decoder) {
            case .success(let v): f = v
            case .failure(let e): failures.append(Failure(path: p, reason: e.message)); continue
            }
            if total == nil { total = f } else { for i in 0..<count { total![i] += f[i] } }
            decoded += 1
        }
        guard var t = total else { return nil }
        if decoded > 1 { for i in 0..<count { t[i] /= Float(decoded) } }
        t[imageCountIndex] = Float(log(1 + Double(paths.count)))
        return t
    }
}

/// Histograms of oriented gradients (Dalal & Triggs 2005) over a fixed 64×128 grayscale
/// resampling of the image (phone screenshots are about twice as tall as wide): 8×8-pixel cells,
/// 9 unsigned orientation bins, blocks of 2×2 cells with stride one cell, L2-Hys normalised;
/// 7×15 blocks × 36 = 3,780 values.
///
/// Each step is mirror-symmetric, so a flipped image's histograms are exactly the mirrored ones
/// (`flip`): the resampling weighs source pixels by their fractional overlap, the gradient is a
/// central difference (zero on the border), and orientations vote linearly between the two
/// nearest bin centres 10°, 30°, ..., 170°, a layout that maps onto itself under θ → 180° − θ.
enum Gradients {
    static let width = 64, height = 128, cell = 8, orientations = 9
    static let cellsX = width / cell, cellsY = height / cell
    static let blocksX = cellsX - 1, blocksY = cellsY - 1
    static let blockSize = 4 * orientations
    static let count = blocksX * blocksY * blockSize

    /// For resampling `n` source pixels onto `m` targets: each source pixel's first target, its
    /// weight there, and the weight of the next target (a pixel straddles at most two when n ≥ m;
    /// when n < m a pixel covers several targets and is spread over them by `coverage`).
    static func coverage(source n: Int, target m: Int) -> [[(Int, Float)]] {
        let scale = Double(m) / Double(n)
        return (0..<n).map { x in
            let a = Double(x) * scale, b = Double(x + 1) * scale
            var parts: [(Int, Float)] = []
            var t = Int(a.rounded(.down))
            while Double(t) < b && t < m {
                let overlap = min(b, Double(t + 1)) - max(a, Double(t))
                if overlap > 0 { parts.append((t, Float(overlap))) }
                t += 1
            }
            return parts
        }
    }

    /// Area-weighted resampling of a `pw`×`ph` image's luminance, fed one row at a time, to
    /// `width`×`height`.
    struct Resampler {
        let pw: Int, ph: Int
        private let cx: [[(Int, Float)]], cy: [[(Int, Float)]]
        private var gray: [Float]
        private var row: [Float]

        init(width pw: Int, height ph: Int) {
            self.pw = pw; self.ph = ph
            cx = coverage(source: pw, target: Gradients.width)
            cy = coverage(source: ph, target: Gradients.height)
            gray = [Float](repeating: 0, count: Gradients.width * Gradients.height)
            row = [Float](repeating: 0, count: Gradients.width)
        }

        /// Adds source row `y` (its `pw` luminances, 0...1).
        mutating func add(row lum: [Float], y: Int) {
            let width = Gradients.width
            for i in 0..<width { row[i] = 0 }
            for x in 0..<pw { for (t, w) in cx[x] { row[t] += lum[x] * w } }
            for (t, w) in cy[y] { for i in 0..<width { gray[t * width + i] += row[i] * w } }
        }

        /// The resampled image, row-major, once every row has been added.
        func finish() -> [Float] {
            let area = Float(pw) / Float(Gradients.width) * Float(ph) / Float(Gradients.height)
            return gray.map { $0 / area }
        }
    }

    /// The histograms of a `pw`×`ph` image whose pixels `pixel(x, y)` returns as RGB 0...255 (tests).
    static func histograms(width pw: Int, height ph: Int, pixel: (Int, Int) -> (Float, Float, Float)) -> [Float] {
        var resampler = Resampler(width: pw, height: ph)
        var lum = [Float](repeating: 0, count: pw)
        for y in 0..<ph {
            for x in 0..<pw {
                let (r, g, b) = pixel(x, y)
                lum[x] = (0.299 * r + 0.587 * g + 0.114 * b) / 255
            }
            resampler.add(row: lum, y: y)
        }
        return histograms(gray: resampler.finish())
    }

    /// The histograms of an image already resampled to `width`×`height` (row-major luminance).
    static func histograms(gray: [Float]) -> [Float] {
        // Gradients and per-cell orientation histograms.
        var cells = [Float](repeating: 0, count: cellsX * cellsY * orientations)
        let binWidth: Float = 180 / Float(orientations)
        for y in 0..<height {
            for x in 0..<width {
                let gx = x > 0 && x < width - 1 ? gray[y * width + x + 1] - gray[y * width + x - 1] : 0
                let gy = y > 0 && y < height - 1 ? gray[(y + 1) * width + x] - gray[(y - 1) * width + x] : 0
                let magnitude = (gx * gx + gy * gy).squareRoot()
                // Below a quarter of a grey level it is rounding from the resampling, not an edge
                // (L2-Hys would blow such noise in a flat block up to unit norm).
                if magnitude < 1e-3 { continue }
                var angle = atan2(gy, gx) * 180 / Float.pi
                if angle < 0 { angle += 180 }
                if angle >= 180 { angle -= 180 }
                let position = angle / binWidth - 0.5
                let low = Int(position.rounded(.down))
                let frac = position - Float(low)
                let base = ((y / cell) * cellsX + x / cell) * orientations
                cells[base + (low + orientations) % orientations] += magnitude * (1 - frac)
                cells[base + (low + 1) % orientations] += magnitude * frac
            }
        }
        // Blocks of 2×2 cells, L2-Hys: normalise, clip at 0.2, normalise again.
        var out = [Float](repeating: 0, count: count)
        for by in 0..<blocksY {
            for bx in 0..<blocksX {
                let base = (by * blocksX + bx) * blockSize
                var k = 0
                for dy in 0..<2 { for dx in 0..<2 { for o in 0..<orientations {
                    out[base + k] = cells[((by + dy) * cellsX + bx + dx) * orientations + o]; k += 1
                } } }
                for pass in 0..<2 {
                    var norm: Float = 1e-6
                    for i in 0..<blockSize { norm += out[base + i] * out[base + i] }
                    let scale = 1 / norm.squareRoot()
                    for i in 0..<blockSize { out[base + i] = pass == 0 ? min(0.2, out[base + i] * scale) : out[base + i] * scale }
                }
            }
        }
        return out
    }

    /// Writes the histograms of the mirrored image: block column bx → blocksX − 1 − bx, cell
    /// column dx → 1 − dx, orientation bin o → orientations − 1 − o.
    static func flip(_ features: [Float], into out: inout [Float], base: Int) {
        for by in 0..<blocksY {
            for bx in 0..<blocksX {
                let from = base + (by * blocksX + bx) * blockSize
                let to = base + (by * blocksX + (blocksX - 1 - bx)) * blockSize
                for dy in 0..<2 { for dx in 0..<2 { for o in 0..<orientations {
                    out[to + (dy * 2 + (1 - dx)) * orientations + (orientations - 1 - o)] = features[from + (dy * 2 + dx) * orientations + o]
                } } }
            }
        }
    }
}
