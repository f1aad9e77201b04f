/// PP-OCR's text-direction classifier (ch_ppocr_mobile_v2.0_cls): tells upright lines from
/// upside-down ones, which are turned before recognition. As RapidOCR 1.4.4 runs it: each crop
/// scaled to 48 px high (at most 192 wide, padded to 192), values in [-1, 1], six at a time in
/// order of aspect ratio; a crop is turned when the class "180" wins with probability over 0.9.
struct TextDirection {
    var height = 48
    var width = 192
    var batchSize = 6
    var threshold: Float = 0.9

    /// The crops, each turned 180° where the classifier says it is upside down.
    func upright(_ crops: [RasterImage], network: CompiledNetwork) throws -> [RasterImage] {
        var out = crops
        for batch in RasterImage.batchesByAspect(crops, size: batchSize) {
            var input = RasterImage.tensor(crops, batch, height: height, width: width)
            let turn = try network.infer(&input, shape: [batch.count, 3, height, width]) { probs, shape -> [Bool] in
                guard shape.count == 2, shape[0] == batch.count, shape[1] == 2 else {
                    throw InferenceError("the direction classifier's output has shape \(shape), expected [\(batch.count), 2]")
                }
                var turn: [Bool] = []
                for n in 0..<batch.count {
                    let upright: Float = probs[n * 2], flipped: Float = probs[n * 2 + 1]
                    turn.append(flipped > upright && flipped > threshold)
                }
                return turn
            }
            for (n, i) in batch.enumerated() where turn[n] { out[i] = crops[i].rotated180() }
        }
        return out
    }
}

extension RasterImage {
    /// Turned half a turn (OpenCV's ROTATE_180).
    func rotated180() -> RasterImage {
        var out = self
        let n = width * height
        for p in 0..<n {
            let q = n - 1 - p
            out.bytes[p * 3] = bytes[q * 3]; out.bytes[p * 3 + 1] = bytes[q * 3 + 1]; out.bytes[p * 3 + 2] = bytes[q * 3 + 2]
        }
        return out
    }
}
