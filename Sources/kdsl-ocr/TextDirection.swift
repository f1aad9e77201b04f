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
        let ratios = crops.map { Double($0.width) / Double($0.height) }
        let order = crops.indices.sorted { ratios[$0] != ratios[$1] ? ratios[$0] < ratios[$1] : $0 < $1 }
        let plane = height * width
        var start = 0
        while start < order.count {
            let batch = Array(order[start..<min(start + batchSize, order.count)])
            start += batchSize
            var input = [Float](repeating: 0, count: batch.count * 3 * plane)
            for (n, i) in batch.enumerated() {
                let scaled = min(width, Int((Double(height) * ratios[i]).rounded(.up)))
                crops[i].resized(width: max(1, scaled), height: height)
                    .writeNormalizedPlanes(into: &input, offset: n * 3 * plane, stride: width, planeSize: plane)
            }
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
