import Images

/// An 8-bit, 3-channel image in B, G, R order, rows packed: what the PP-OCR networks read (they were
/// trained on OpenCV's BGR images). Converted once from the decoded image; resizing and
/// cropping for the networks happen here, in kdsl's own code.
struct RasterImage {
    var width: Int
    var height: Int
    /// `height * width * 3` bytes, pixel (x, y) channel c at `(y * width + x) * 3 + c`.
    var bytes: [UInt8]

    init(width: Int, height: Int, bytes: [UInt8]) {
        self.width = width; self.height = height; self.bytes = bytes
    }

    init(width: Int, height: Int) {
        self.init(width: width, height: height, bytes: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// The decoded image as BGR. Gray, palette and low-depth images are expanded; an alpha channel
    /// is composited over white (a transparent screenshot margin reads as paper, not as black).
    init?(_ image: DecodedImage) {
        guard let converted = image.withRGBWords(alpha: .overWhite, { pixels -> RasterImage in
            let w = pixels.width, h = pixels.height
            var out = [UInt8](repeating: 0, count: w * h * 3)
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<h {
                    let row = pixels.row(y)
                    var k = y * w * 3
                    for x in 0..<w {
                        let v = row[x]  // 0xRRGGBBAA
                        o[k] = UInt8(truncatingIfNeeded: v >> 8)
                        o[k + 1] = UInt8(truncatingIfNeeded: v >> 16)
                        o[k + 2] = UInt8(truncatingIfNeeded: v >> 24)
                        k += 3
                    }
                }
            }
            return RasterImage(width: w, height: h, bytes: out)
        }) else { return nil }
        self = converted
    }

    /// Bilinear resize with OpenCV's pixel-centre convention and its 11-bit fixed-point weights
    /// (`cv2.resize`, INTER_LINEAR on 8-bit images), which the models' reference pre-processing uses.
    func resized(width dw: Int, height dh: Int) -> RasterImage {
        if dw == width && dh == height { return self }
        var out = RasterImage(width: dw, height: dh)
        let one: Int32 = 2048
        func taps(_ n: Int, _ dn: Int) -> (index: [Int32], weight: [Int32]) {
            let scale = Double(n) / Double(dn)
            var index = [Int32](repeating: 0, count: dn), weight = [Int32](repeating: 0, count: dn)
            for d in 0..<dn {
                var f = (Double(d) + 0.5) * scale - 0.5
                var i = Int(f.rounded(.down))
                f -= Double(i)
                if i < 0 { i = 0; f = 0 }
                if i >= n - 1 { i = n - 1; f = 0 }
                index[d] = Int32(i); weight[d] = Int32((f * Double(one)).rounded())
            }
            return (index, weight)
        }
        let (xi, xw) = taps(width, dw), (yi, yw) = taps(height, dh)
        let w = width, h = height
        // Horizontal pass of one source row, cached: consecutive output rows share source rows.
        var rowA = [Int32](repeating: 0, count: dw * 3), rowB = rowA
        var rowAIndex = -1, rowBIndex = -1
        bytes.withUnsafeBufferPointer { s in
            func horizontal(_ y: Int, into r: inout [Int32]) {
                r.withUnsafeMutableBufferPointer { o in
                    let base = y * w * 3
                    for x in 0..<dw {
                        let i = Int(xi[x]), a = xw[x]
                        let j = min(i + 1, w - 1)
                        let p = base + i * 3, q = base + j * 3
                        o[x * 3] = Int32(s[p]) * (one - a) + Int32(s[q]) * a
                        o[x * 3 + 1] = Int32(s[p + 1]) * (one - a) + Int32(s[q + 1]) * a
                        o[x * 3 + 2] = Int32(s[p + 2]) * (one - a) + Int32(s[q + 2]) * a
                    }
                }
            }
            out.bytes.withUnsafeMutableBufferPointer { o in
                for y in 0..<dh {
                    let j0 = Int(yi[y]), j1 = min(j0 + 1, h - 1), b = yw[y]
                    if rowAIndex != j0 {
                        if rowBIndex == j0 { swap(&rowA, &rowB); swap(&rowAIndex, &rowBIndex) } else { horizontal(j0, into: &rowA); rowAIndex = j0 }
                    }
                    if rowBIndex != j1 { horizontal(j1, into: &rowB); rowBIndex = j1 }
                    rowA.withUnsafeBufferPointer { ra in
                        rowB.withUnsafeBufferPointer { rb in
                            let base = y * dw * 3
                            for k in 0..<(dw * 3) {
                                let v = (Int64(ra[k]) * Int64(one - b) + Int64(rb[k]) * Int64(b) + (1 << 21)) >> 22
                                o[base + k] = UInt8(truncatingIfNeeded: min(255, max(0, v)))
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The image with `top` and `bottom` rows of black added (RapidOCR's letterbox for very flat
    /// images, so that the detector sees a usable height).
    func padded(top: Int, bottom: Int) -> RasterImage {
        var out = RasterImage(width: width, height: height + top + bottom)
        let rowBytes = width * 3
        out.bytes.replaceSubrange(top * rowBytes..<(top + height) * rowBytes, with: bytes)
        return out
    }

    /// Rotated 90° counter-clockwise (numpy's `rot90`): a tall crop becomes a line to read.
    func rotatedCounterClockwise() -> RasterImage {
        var out = RasterImage(width: height, height: width)
        for y in 0..<out.height {
            for x in 0..<out.width {
                // out(x, y) = in(width - 1 - y, x)
                let s = (x * width + (width - 1 - y)) * 3, d = (y * out.width + x) * 3
                out.bytes[d] = bytes[s]; out.bytes[d + 1] = bytes[s + 1]; out.bytes[d + 2] = bytes[s + 2]
            }
        }
        return out
    }

    /// The width over the height.
    var aspect: Double { Double(width) / Double(height) }

    /// The indices of `crops` in order of aspect ratio, cut into batches of `size`: the order in
    /// which PP-OCR's direction classifier and recogniser take lines (RapidOCR's). Stable, so that
    /// equal ratios keep their order and the batches are the same on every run.
    static func batchesByAspect(_ crops: [RasterImage], size: Int) -> [[Int]] {
        let ratios = crops.map(\.aspect)
        let order = crops.indices.sorted { ratios[$0] != ratios[$1] ? ratios[$0] < ratios[$1] : $0 < $1 }
        return stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min($0 + size, order.count)]) }
    }

    /// The crops of `batch` as one N×3×`height`×`width` tensor: each scaled to `height` and, keeping
    /// its aspect, to at most `width`, values in [-1, 1], the rest of its row padded with 0.
    static func tensor(_ crops: [RasterImage], _ batch: [Int], height: Int, width: Int) -> [Float] {
        let plane = height * width
        var input = [Float](repeating: 0, count: batch.count * 3 * plane)
        for (n, i) in batch.enumerated() {
            let scaled = min(width, Int((Double(height) * crops[i].aspect).rounded(.up)))
            crops[i].resized(width: max(1, scaled), height: height)
                .writeNormalizedPlanes(into: &input, offset: n * 3 * plane, stride: width, planeSize: plane)
        }
        return input
    }

    /// Writes the image as planar C×H×W floats `(v / 255 − 0.5) / 0.5` into `tensor` at `offset`,
    /// in rows of `stride` values (wider than the image when the batch is padded).
    func writeNormalizedPlanes(into tensor: inout [Float], offset: Int, stride: Int, planeSize: Int) {
        let w = width, h = height
        bytes.withUnsafeBufferPointer { s in
            tensor.withUnsafeMutableBufferPointer { t in
                for y in 0..<h {
                    var k = y * w * 3
                    let row = offset + y * stride
                    for x in 0..<w {
                        t[row + x] = Float(s[k]) / 127.5 - 1
                        t[row + planeSize + x] = Float(s[k + 1]) / 127.5 - 1
                        t[row + 2 * planeSize + x] = Float(s[k + 2]) / 127.5 - 1
                        k += 3
                    }
                }
            }
        }
    }
}
