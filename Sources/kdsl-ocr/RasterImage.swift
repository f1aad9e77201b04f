internal import CTesseract

/// An 8-bit, 3-channel image in B, G, R order, rows packed: what the PP-OCR networks read (they were
/// trained on OpenCV's BGR images). Converted once from Leptonica's decoded `Pix`; resizing and
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
        var src: UnsafeMutablePointer<Pix>? = image.pix
        var owned: UnsafeMutablePointer<Pix>? = nil
        if pixGetSpp(image.pix) == 4 && pixGetDepth(image.pix) == 32 {
            owned = pixAlphaBlendUniform(image.pix, 0xFFFFFF00)
            src = owned
        } else if pixGetDepth(image.pix) != 32 || pixGetColormap(image.pix) != nil {
            owned = pixConvertTo32(image.pix)
            src = owned
        }
        defer { if owned != nil { pixDestroy(&owned) } }
        guard let pix = src, let data = pixGetData(pix) else { return nil }
        let w = Int(pixGetWidth(pix)), h = Int(pixGetHeight(pix)), wpl = Int(pixGetWpl(pix))
        var out = [UInt8](repeating: 0, count: w * h * 3)
        out.withUnsafeMutableBufferPointer { o in
            for y in 0..<h {
                let row = data + y * wpl
                var k = y * w * 3
                for x in 0..<w {
                    // Leptonica packs a pixel as 0xRRGGBBAA in one 32-bit word.
                    let v = row[x]
                    o[k] = UInt8(truncatingIfNeeded: v >> 8)
                    o[k + 1] = UInt8(truncatingIfNeeded: v >> 16)
                    o[k + 2] = UInt8(truncatingIfNeeded: v >> 24)
                    k += 3
                }
            }
        }
        self.init(width: w, height: h, bytes: out)
    }

    /// Bilinear resize with OpenCV's pixel-centre convention (`cv2.resize`, INTER_LINEAR), which the
    /// models' reference pre-processing uses.
    func resized(width dw: Int, height dh: Int) -> RasterImage {
        if dw == width && dh == height { return self }
        var out = RasterImage(width: dw, height: dh)
        let sx = Double(width) / Double(dw), sy = Double(height) / Double(dh)
        // Per destination column: the left source column and its weight (the same for every row).
        var x0 = [Int](repeating: 0, count: dw), wx = [Float](repeating: 0, count: dw)
        for x in 0..<dw {
            var f = (Double(x) + 0.5) * sx - 0.5
            if f < 0 { f = 0 }
            var i = Int(f)
            var frac = f - Double(i)
            if i >= width - 1 { i = width - 1; frac = 0 }
            x0[x] = i; wx[x] = Float(frac)
        }
        let w = width
        bytes.withUnsafeBufferPointer { s in
            out.bytes.withUnsafeMutableBufferPointer { o in
                for y in 0..<dh {
                    var f = (Double(y) + 0.5) * sy - 0.5
                    if f < 0 { f = 0 }
                    var j = Int(f)
                    var fy = Float(f - Double(j))
                    if j >= height - 1 { j = height - 1; fy = 0 }
                    let j1 = min(j + 1, height - 1)
                    let r0 = j * w * 3, r1 = j1 * w * 3
                    var k = y * dw * 3
                    for x in 0..<dw {
                        let i = x0[x], fx = wx[x]
                        let i1 = min(i + 1, w - 1)
                        for c in 0..<3 {
                            let a = Float(s[r0 + i * 3 + c]), b = Float(s[r0 + i1 * 3 + c])
                            let cc = Float(s[r1 + i * 3 + c]), d = Float(s[r1 + i1 * 3 + c])
                            let top = a + (b - a) * fx, bottom = cc + (d - cc) * fx
                            let v = top + (bottom - top) * fy
                            o[k + c] = UInt8(min(255, max(0, (v + 0.5).rounded(.down))))
                        }
                        k += 3
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
