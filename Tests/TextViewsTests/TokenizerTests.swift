import Testing
import Basics
@testable import JSONLines
@testable import TextViews

@Suite struct TokenizerTests {
    @Test func cjkCharactersOneByOne() {
        #expect(Tokenizer.tokens("我要退款") == ["我", "要", "退", "款"])
        #expect(Tokenizer.tokens("ありがとう 한국") == ["あ", "り", "が", "と", "う", "한", "국"])
        #expect(Tokenizer.tokens("退款，谢谢！") == ["退", "款", "谢", "谢"])
    }

    @Test func latinWordsAndDigitsLowerCased() {
        #expect(Tokenizer.tokens("Where's my REFUND? Order #123abc") == ["where", "s", "my", "refund", "order", "123abc"])
        #expect(Tokenizer.tokens("Café ÉTÉ") == ["café", "été"])
        #expect(Tokenizer.tokens("订单号ABC123已发货") == ["订", "单", "号", "abc123", "已", "发", "货"])
        #expect(Tokenizer.tokens("") == [])
        #expect(Tokenizer.tokens(" ,.!? ") == [])
    }

    @Test func fullWidthFormsFolded() {
        #expect(Tokenizer.normalize("ＡＢＣ１２３！") == "abc123!")
        #expect(Tokenizer.normalize("退款\u{3000}ｏｋ") == "退款 ok")
        #expect(Tokenizer.tokens("Ｒｅｆｕｎｄ：ＹＥＳ") == ["refund", "yes"])
        #expect(Tokenizer.tokens("ｗｉｆｉ\u{3000}密码") == ["wifi", "密", "码"])
    }

    @Test func wordAndCharacterNGrams() {
        let t = ["退", "款", "not", "received"]
        #expect(Tokenizer.ngrams(t, n: 1) == t)
        #expect(Tokenizer.ngrams(t, n: 2) == ["退款", "款not", "not received"])
        #expect(Tokenizer.ngrams(t, n: 3) == ["退款not", "款not received"])
        #expect(Tokenizer.ngrams(t, n: 5) == [])
        #expect(Tokenizer.ngrams(t, n: 0) == [])
        #expect(Tokenizer.characterNGrams("ab", min: 2, max: 3) == ["<a", "ab", "b>", "<ab", "ab>"])
        #expect(Tokenizer.characterNGrams("退款", min: 3, max: 3) == ["<退款", "退款>"])
        #expect(Tokenizer.characterNGrams("a", min: 4, max: 5) == [])
    }

    @Test func byteLevelNormaliserAgreesWithTheScalarRules() {
        var rng = SeededRNG(seed: 11)
        let alphabet: [String] = ["a", "b", "A", "Z", "退", "款", "Ａ", "ｂ", "　", " ", "1", "é", "É", "😀",
                                  "Ω", "ǅ", "İ", "Ｚ", "～", "＀", "｟", "ア", "한", "𠀀", "\u{0}", "\n", "ß", "ㄱ", "〇"]
        for _ in 0..<1000 {
            var s = ""
            for _ in 0..<Int(rng.next() % 30) { s += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            #expect(Tokenizer.normalize(s) == Tokenizer.normalizeScalars(s), "\(s)")
            var bytes: [UInt8] = [1, 2, 3]
            Tokenizer.normalizedUTF8(s, into: &bytes)
            #expect(bytes == Array(Tokenizer.normalizeScalars(s).utf8))
        }
    }
}
