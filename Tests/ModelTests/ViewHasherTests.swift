import Testing
@testable import kdsl_model
import Basics
import JSONLines
import TextViews

/// Random mixed text: ASCII words, CJK, full-width forms, letters whose lower case differs in
/// length, digits of other scripts, emoji, separators.
func randomText(_ rng: inout SeededRNG, pieces count: Int = 30) -> String {
    let pieces = ["a", "Z", "9", " ", ",", "退", "款", "ｒ", "Ａ", "\u{3000}", "É", "ß", "İ", "ω", "Σ", "-", "\n", "の", "한", "٣",
                  "😀", "ﬁ", "_", "x1", "refund", "my", "card", "Straße", "naïve", "ǅ", "money back", "快递"]
    var text = ""
    for _ in 0..<Int(rng.next() % UInt64(count + 1)) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
    return text
}

extension ViewHasher {
    /// Hashes `text` as training and prediction see it: its normalised UTF-8.
    mutating func hash(_ text: String, namespace: Int = 0, wordOrder: Int, characters: Bool = true) {
        var bytes: [UInt8] = []
        Tokenizer.normalizedUTF8(text, into: &bytes)
        bytes.withUnsafeBufferPointer { hash($0, namespace: namespace, wordOrder: wordOrder, characters: characters) }
    }

    /// The tokens of the last `hash` as Strings (they are byte ranges of its input).
    func tokens(of text: String) -> [String] {
        var bytes: [UInt8] = []
        Tokenizer.normalizedUTF8(text, into: &bytes)
        return tokenKind.indices.map { String(decoding: bytes[tokenStart[$0]..<tokenEnd[$0]], as: UTF8.self) }
    }
}

extension ViewHasher.IDs {
    var list: [UInt32] { Array(ids[0..<count]) }
}

@Suite struct ViewHasherTests {
    /// The model's one tokenizer must yield exactly TextViews' tokens, on random mixed text.
    @Test func tokensEqualTokenizer() {
        var rng = SeededRNG(seed: 11)
        var view = ViewHasher(TextHasher(FeatureConfig()))
        for _ in 0..<500 {
            let text = randomText(&rng)
            view.hash(text, wordOrder: 1)
            #expect(view.tokens(of: text) == Tokenizer.tokens(text), "\(text.debugDescription)")
        }
    }

    /// The `lines` view: each line one token (`Tokenizer.lineTokens`), its n-grams runs of whole
    /// lines joined by "\n" (`Tokenizer.lineNgrams`), no character n-grams.
    @Test func linesAreTokensAsTokenizerSplitsThem() {
        let hasher = TextHasher(FeatureConfig())
        var view = ViewHasher(hasher)
        var rng = SeededRNG(seed: 23)
        let texts = ["申请退款\n  物流详情 \n\n￥0\n降", "\n", "", "a b\nc", "a\nb c"] + (0..<300).map { _ in randomText(&rng) }
        var multiLine = 0
        for text in texts {
            var bytes: [UInt8] = []
            Tokenizer.normalizedUTF8(text, into: &bytes)
            let normalized = String(decoding: bytes, as: UTF8.self)
            let lines = Tokenizer.lineTokens(normalized)
            if lines.count > 1 { multiLine += 1 }
            bytes.withUnsafeBufferPointer { view.hash($0, namespace: 4, wordOrder: 3, characters: true, lines: true) }
            #expect(view.tokens(of: text) == lines, "\(text.debugDescription)")
            #expect(view.unigrams.list == lines.map { hasher.wordID($0, namespace: 4) })
            let higher = (2...3).flatMap { Tokenizer.lineNgrams(lines, n: $0) }.map { hasher.wordID($0, namespace: 4) }
            #expect(view.higherNgrams.list.sorted() == higher.sorted(), "\(text.debugDescription)")
            #expect(view.characterNgrams.count == 0)
        }
        #expect(Tokenizer.lineTokens("申请退款\n  物流详情 \n\n￥0\n降") == ["申请退款", "物流详情", "￥0", "降"])
        // "a b" + "c" and "a" + "b c" are different line bigrams.
        #expect(Tokenizer.lineNgrams(["a b", "c"], n: 2) != Tokenizer.lineNgrams(["a", "b c"], n: 2))
        #expect(multiLine > 50)
        #expect(RecordText.foldingDigits("￥309|券后￥249 x1 09:51") == "￥0|券后￥0 x0 0:0")
    }

    /// The hasher must read n-grams exactly as TextViews' String-level Tokenizer builds them (rules
    /// and model agree): each list against the hashes of `Tokenizer.ngrams` and
    /// `Tokenizer.characterNGrams` strings, for several orders and character ranges.
    @Test(arguments: [(2, 3, 5), (3, 2, 4), (1, 1, 1)])
    func hashesWhatTokenizerBuilds(wordOrder: Int, charMin: Int, charMax: Int) {
        var config = FeatureConfig()
        config.wordNgrams = wordOrder; config.charMin = charMin; config.charMax = charMax
        let hasher = TextHasher(config)
        var view = ViewHasher(hasher)
        var rng = SeededRNG(seed: 17)
        let texts = ["Not received 退款 yet, ｒｅｆｕｎｄ", "Straße İstanbul naïve ǅx 😀 ٣٣ 快递到哪了", ""] + (0..<300).map { _ in randomText(&rng) }
        var higherSeen = 0, nonASCIIChars = 0
        for (k, text) in texts.enumerated() {
            let ns = k % 3
            let tokens = Tokenizer.tokens(text)
            let unigrams = tokens.map { hasher.wordID($0, namespace: ns) }
            var higher: [UInt32] = [], chars: [UInt32] = []
            if wordOrder >= 2 { for n in 2...wordOrder { higher += Tokenizer.ngrams(tokens, n: n).map { hasher.wordID($0, namespace: ns) } } }
            for t in tokens where !(t.unicodeScalars.count == 1 && Tokenizer.isCJK(t.unicodeScalars.first!)) {
                chars += Tokenizer.characterNGrams(t, min: charMin, max: charMax).map { hasher.charID($0, namespace: ns) }
                if t.utf8.count != t.unicodeScalars.count { nonASCIIChars += 1 }
            }
            view.hash(text, namespace: ns, wordOrder: wordOrder)
            #expect(view.unigrams.list == unigrams, "\(text.debugDescription)")
            #expect(view.higherNgrams.list.sorted() == higher.sorted(), "\(text.debugDescription)")
            #expect(view.characterNgrams.list.sorted() == chars.sorted(), "\(text.debugDescription)")
            higherSeen += higher.count
            // A head without character n-grams or higher orders gets none, and the same unigrams.
            view.hash(text, namespace: ns, wordOrder: 1, characters: false)
            #expect(view.unigrams.list == unigrams && view.higherNgrams.count == 0 && view.characterNgrams.count == 0)
        }
        #expect(higherSeen > 0 || wordOrder == 1)
        #expect(nonASCIIChars > 0)
    }

    /// `forEachNgram`, the one n-gram loop (`hash` keeps its ids, `--explain` names them): every
    /// n-gram it visits is spelled as `Tokenizer` spells it and its id is the hash of that
    /// text; its unigrams, word n-grams and character n-grams are `Tokenizer`'s, and its ids,
    /// in order, those `hash` lists. Plain views and the `lines` view.
    @Test func visitedNgramsAreTokenizersWithHashsIds() {
        var config = FeatureConfig()
        config.wordNgrams = 3
        let hasher = TextHasher(config)
        var view = ViewHasher(hasher)
        var rng = SeededRNG(seed: 29)
        struct Visited: ViewHasher.Visitor {
            var list: [(id: UInt32, gram: ViewHasher.Gram)] = []
            mutating func visit(_ id: UInt32, _ gram: ViewHasher.Gram) { list.append((id, gram)) }
        }
        let texts = ["Not received 退款 yet, ｒｅｆｕｎｄ", "申请退款\n  物流详情 \n\n￥0\n降 a b", "Straße İstanbul naïve ǅx 😀 ٣٣ 快递到哪了", ""]
            + (0..<300).map { _ in randomText(&rng) }
        var seen = (words: 0, ngrams: 0, chars: 0, lines: 0)
        for (k, text) in texts.enumerated() {
            let lines = k % 2 == 1, ns = k % 3
            var bytes: [UInt8] = []
            Tokenizer.normalizedUTF8(text, into: &bytes)
            let normalized = String(decoding: bytes, as: UTF8.self)
            bytes.withUnsafeBufferPointer { b in
                view.tokenize(b, lines: lines)
                var visited = Visited()
                view.forEachNgram(b, tokens: 0..<view.tokenCount, namespace: ns, wordOrder: 3, characters: true, lines: lines, into: &visited)
                var words: [String] = [], ngrams: [String] = [], chars: [String] = []
                var ids: (words: [UInt32], ngrams: [UInt32], chars: [UInt32]) = ([], [], [])
                for (id, gram) in visited.list {
                    let t = view.text(of: gram, in: b, lines: lines)
                    switch gram {
                    case .word: words.append(t); ids.words.append(id); #expect(id == hasher.wordID(t, namespace: ns))
                    case .words: ngrams.append(t); ids.ngrams.append(id); #expect(id == hasher.wordID(t, namespace: ns))
                    case .characters: chars.append(t); ids.chars.append(id); #expect(id == hasher.charID(t, namespace: ns))
                    }
                }
                let tokens = lines ? Tokenizer.lineTokens(normalized) : Tokenizer.tokens(normalized)
                #expect(words == tokens, "\(text.debugDescription)")
                let expected = (2...3).flatMap { lines ? Tokenizer.lineNgrams(tokens, n: $0) : Tokenizer.ngrams(tokens, n: $0) }
                #expect(ngrams.sorted() == expected.sorted(), "\(text.debugDescription)")
                let words3 = lines ? [] : tokens.filter { !($0.unicodeScalars.count == 1 && Tokenizer.isCJK($0.unicodeScalars.first!)) }
                #expect(chars.sorted() == words3.flatMap { Tokenizer.characterNGrams($0, min: config.charMin, max: config.charMax) }.sorted(), "\(text.debugDescription)")
                view.hash(b, namespace: ns, wordOrder: 3, characters: true, lines: lines)
                #expect(view.unigrams.list == ids.words && view.higherNgrams.list == ids.ngrams && view.characterNgrams.list == ids.chars)
                seen.words += words.count; seen.ngrams += ngrams.count; seen.chars += chars.count
                if lines { seen.lines += ngrams.count }
            }
        }
        #expect(seen.words > 0 && seen.ngrams > 0 && seen.chars > 0 && seen.lines > 0)
    }

    @Test func viewsDoNotShareFeatures() {
        let hasher = TextHasher(FeatureConfig())
        #expect(hasher.wordID("refund", namespace: 0) != hasher.wordID("refund", namespace: 1))
        var view = ViewHasher(hasher)
        view.hash("refund", namespace: 0, wordOrder: 2)
        let a = view.unigrams.list
        view.hash("refund", namespace: 1, wordOrder: 2)
        #expect(a == [hasher.wordID("refund", namespace: 0)] && view.unigrams.list == [hasher.wordID("refund", namespace: 1)])
    }
}
