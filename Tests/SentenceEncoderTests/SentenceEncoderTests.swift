import Testing
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

    /// A text's vector has the same bits alone and in any batch: the products run per token row,
    /// attention and pooling per text.
    @Test func batchDoesNotChangeAVector() throws {
        let encoder = try Weights.encoder()
        let together = encoder.embed(Self.texts)
        for (i, text) in Self.texts.enumerated() {
            #expect(encoder.embed([text])[0] == together[i], "text \(i)")
        }
        #expect(encoder.embed(Array(Self.texts.reversed())).reversed() == together)
        #expect(encoder.embed(Self.texts + Self.texts) == together + together)
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
