import Testing
import Foundation
@testable import SentenceEncoder

@Suite struct SentenceEncoderTests {
    static let texts = ["what can i do to track the card you sent me?", "我的快递到哪里了？", "退款什么时候到账",
                        "how long does it take for me to get my new card?", "ok", String(repeating: "card ", count: 40)]

    @Test func vectorsAreUnitLength() throws {
        let encoder = try Weights.encoder()
        for v in encoder.embed(Self.texts) {
            #expect(v.count == 384)
            var norm: Float = 0
            for x in v { norm += x * x }
            norm = norm.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
            let finite = v.allSatisfy { $0.isFinite }
            #expect(finite)
        }
    }

    /// Similar questions lie closer than unrelated ones (the encoder works, not only runs).
    @Test func similarTextsAreCloser() throws {
        let v = try Weights.encoder().embed(["where is my new card?", "my card has not arrived yet", "what is the exchange rate for euros?"])
        func cos(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(cos(v[0], v[1]) > cos(v[0], v[2]) + 0.03)
    }

    /// A batch's composition changes a text's vector only in its last bits (OpenBLAS's kernels
    /// treat a product's columns differently by the product's size), which is why kdsl-embed cuts
    /// batches by input order alone; the same batch gives the same bits every time.
    @Test func batchChangesAVectorOnlyInItsLastBits() throws {
        let encoder = try Weights.encoder()
        let together = encoder.embed(Self.texts)
        #expect(encoder.embed(Self.texts) == together)
        for (i, text) in Self.texts.enumerated() {
            let alone = encoder.embed([text])[0]
            let cosine = zip(alone, together[i]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.99999, "text \(i)")
        }
    }

    /// A text over 510 pieces is cut to its first 510: `<s>` + 510 + `</s>` = 512 tokens, and its
    /// vector is that of its first 510 pieces.
    @Test func longTextsAreCut() throws {
        let encoder = try Weights.encoder()
        let long = String(repeating: "the card you sent me ", count: 200)
        let ids = encoder.tokens(long)
        #expect(ids.count == 512)
        #expect(encoder.isCut(long))
        #expect(!encoder.isCut("short"))
        #expect(encoder.embed([long])[0] == encoder.embed(tokens: [ids])[0])
        #expect(Array(ids.dropLast().suffix(3)) == Array(encoder.tokens(long + " more words")[508..<511]))
    }
}


@Suite struct GELUTests {
    /// The rational erf stays within 2e-6 of libm's over the range GELU meets (and beyond ±4).
    @Test func erfAgreesWithLibm() {
        var worst: Float = 0
        var x: Float = -6
        while x <= 6 {
            worst = max(worst, abs(SentenceEncoder.erf(x) - erff(x)))
            x += 0.0007
        }
        #expect(worst < 2e-6, "largest difference \(worst)")
    }
}
