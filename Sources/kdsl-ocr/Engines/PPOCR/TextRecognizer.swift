/// PP-OCR's text recogniser: each detected box is cut out upright, scaled to 48 px high and read
/// by an SVTR-LCNet network whose per-column character probabilities are CTC-decoded (greedy:
/// the best character per column, repeats merged, blanks dropped). Follows RapidOCR 1.4.4's
/// TextRecognizer: crops sorted by aspect ratio and read 6 at a time, each batch padded to its
/// widest crop (at least 320 px), values scaled to [-1, 1]; a line whose mean character
/// probability is under 0.5 is dropped (its `text_score`).
struct TextRecognizer {
    /// The decoder's characters: index 0 is the CTC blank, then the model's dictionary, then a space.
    var characters: [String]
    /// The same dictionary as given, for a model whose classes are exactly its entries (a keys file
    /// that already lists the blank first and the space last, as PP-OCRv5's ppocr_keys_v5.txt does).
    var asGiven: [String]
    var height = 48
    var minWidth = 320
    var batchSize = 6
    var minScore = 0.5

    /// The dictionary of `keys` (one character per line) in the decoder's order.
    init(dictionary keys: [String]) {
        characters = [""] + keys + [" "]
        asGiven = [""] + keys.dropFirst()
    }

    /// One read line: its text and mean character probability.
    struct Reading { var text: String; var score: Double }

    /// Reads every crop; results in the order of `crops`. `stop` is asked after each batch; nil
    /// when it said yes.
    func read(_ crops: [RasterImage], network: CompiledNetwork, stop: () -> Bool = { false }) throws -> [Reading]? {
        var results = [Reading](repeating: Reading(text: "", score: 0), count: crops.count)
        for batch in RasterImage.batchesByAspect(crops, size: batchSize) {
            // The batch is as wide as its widest line at this height, and at least `minWidth`.
            let maxRatio = batch.reduce(Double(minWidth) / Double(height)) { max($0, crops[$1].aspect) }
            let width = Int(Double(height) * maxRatio)
            var input = RasterImage.tensor(crops, batch, height: height, width: width)
            let readings = try network.infer(&input, shape: [batch.count, 3, height, width]) { probs, shape -> [Reading] in
                guard shape.count == 3, shape[0] == batch.count, shape[2] == characters.count || shape[2] == asGiven.count else {
                    throw InferenceError("the recogniser's output has shape \(shape), expected [\(batch.count), T, \(characters.count)] "
                        + "(\(characters.count - 2) dictionary characters, a blank and a space): is the dictionary the model's?")
                }
                let table = shape[2] == characters.count ? characters : asGiven
                return (0..<batch.count).map { decode(probs, item: $0, steps: shape[1], characters: table) }
            }
            for (n, i) in batch.enumerated() { results[i] = readings[n] }
            if stop() { return nil }
        }
        return results
    }

    /// Greedy CTC decoding of one item of a [N, T, C] probability tensor (C = `characters.count`).
    func decode(_ probs: UnsafeBufferPointer<Float>, item: Int, steps: Int, characters: [String]? = nil) -> Reading {
        let characters = characters ?? self.characters
        let classes = characters.count
        var text = ""
        var sum = 0.0, count = 0
        var previous = -1
        for t in 0..<steps {
            let base = (item * steps + t) * classes
            var best = 0
            var bestP = probs[base]
            for c in 1..<classes where probs[base + c] > bestP { best = c; bestP = probs[base + c] }
            if best != 0 && best != previous {
                text += characters[best]
                sum += Double(bestP); count += 1
            }
            previous = best
        }
        return Reading(text: text, score: count == 0 ? 0 : sum / Double(count))
    }
}

extension RasterImage {
    /// The quad's contents as an upright image (the reference's get_rotate_crop_image): as wide as
    /// its longer horizontal edge and as high as its longer vertical edge, sampled through the
    /// perspective map with bicubic interpolation (OpenCV's INTER_CUBIC, a = −0.75) and the border
    /// replicated; a crop 1.5 times taller than wide is turned to read as a line.
    func crop(_ q: Quad) -> RasterImage? {
        let w = Int(max(BoxGeometry.distance(q[0], q[1]), BoxGeometry.distance(q[2], q[3])))
        let h = Int(max(BoxGeometry.distance(q[0], q[3]), BoxGeometry.distance(q[1], q[2])))
        guard w > 0, h > 0, let m = BoxGeometry.perspective(toQuad: q, width: Double(w), height: Double(h)) else { return nil }
        var out = RasterImage(width: w, height: h)
        let sw = width, sh = height
        func weights(_ t: Double) -> (Double, Double, Double, Double) {
            let a = -0.75
            let w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
            let w1 = ((a + 2) * t - (a + 3)) * t * t + 1
            let w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
            return (w0, w1, w2, 1 - w0 - w1 - w2)
        }
        func byte(_ v: Double) -> UInt8 { UInt8(min(255, max(0, v.rounded()))) }
        bytes.withUnsafeBufferPointer { s in
            out.bytes.withUnsafeMutableBufferPointer { o in
                for y in 0..<h {
                    for x in 0..<w {
                        let X = Double(x), Y = Double(y)
                        let d = m[6] * X + m[7] * Y + m[8]
                        let fx = (m[0] * X + m[1] * Y + m[2]) / d, fy = (m[3] * X + m[4] * Y + m[5]) / d
                        let ix = Int(fx.rounded(.down)), iy = Int(fy.rounded(.down))
                        let wx = weights(fx - Double(ix)), wy = weights(fy - Double(iy))
                        // The 4×4 neighbourhood, rows weighted by wy, columns by wx, the border replicated.
                        var b = 0.0, g = 0.0, r = 0.0
                        for j in 0..<4 {
                            let yy = min(max(iy - 1 + j, 0), sh - 1)
                            let fyj = j == 0 ? wy.0 : j == 1 ? wy.1 : j == 2 ? wy.2 : wy.3
                            for i in 0..<4 {
                                let xx = min(max(ix - 1 + i, 0), sw - 1)
                                let f = (i == 0 ? wx.0 : i == 1 ? wx.1 : i == 2 ? wx.2 : wx.3) * fyj
                                let k = (yy * sw + xx) * 3
                                b += f * Double(s[k]); g += f * Double(s[k + 1]); r += f * Double(s[k + 2])
                            }
                        }
                        let k = (y * w + x) * 3
                        o[k] = byte(b); o[k + 1] = byte(g); o[k + 2] = byte(r)
                    }
                }
            }
        }
        return Double(h) / Double(w) >= 1.5 ? out.rotatedCounterClockwise() : out
    }
}
