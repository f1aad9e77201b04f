import Foundation
import Testing
@testable import kdsl_model
import Basics
import JSONLines
import TextViews
import TestSupport

@Suite struct FeaturiserTests {
    /// A record whose four views all have text: plain text, a tagged dialogue (random text may
    /// add lines that continue a turn) or `{role, text}` turns, and OCR text.
    static func randomRecord(_ rng: inout SeededRNG, _ i: Int, task: String?) throws -> Record {
        let dialogue: JSON = i % 4 == 3
            ? .array([.object([("role", "客服"), ("text", .string(randomText(&rng)))]), .object([("role", "user"), ("text", .string(randomText(&rng)))])])
            : .string("用户: \(randomText(&rng))\n客服: \(randomText(&rng))")
        let json = JSON.object([("id", .int(Int64(i))), ("task", .string(orNull: task)), ("text", .string(randomText(&rng))), ("dialogue", dialogue),
                                ("ocr", .object([("text", .string(randomText(&rng, pieces: 8)))]))])
        var line: [UInt8] = []
        json.serialize(into: &line)
        return try Record(String(decoding: line, as: UTF8.self))
    }

    /// The prediction featuriser must give exactly (bit for bit) what training's extraction and
    /// weighting give, for every view mask, n-gram order, character n-gram range and the task
    /// namespace: predictions then cannot differ from the path the weights were trained on. Two
    /// paths from the same records: training's `RawText` from `RecordText` Strings (normalised by
    /// `Tokenizer.normalizedUTF8`) and `Vocabulary.weigh`, against prediction's `Featuriser` on
    /// the views `TextBytes` takes straight from the record's JSON, as `Predictor` does.
    ///
    /// `tokensPerChunk` 1 and 2 make every token a chunk boundary for the featuriser, which reads
    /// long views a chunk of tokens at a time, and `rowsBeforeCounting` 0 and 5 make it count
    /// rows (as on long views) instead of sorting them all.
    @Test(arguments: [(3, 5, false, 4096, 65_536), (2, 4, true, 1, 0), (0, 0, false, 2, 5), (1, 1, true, 4096, 65_536), (3, 5, false, 1, 5)])
    func equalsExtractThenWeigh(charMin: Int, charMax: Int, taskFeature: Bool, tokensPerChunk: Int, rowsBeforeCounting: Int) throws {
        var config = FeatureConfig()
        config.views = [.user, .agent, .ocr, .all, .lines]
        config.wordNgrams = 3
        config.charMin = charMin; config.charMax = charMax
        config.taskFeature = taskFeature
        config.bits = 18
        let hasher = TextHasher(config)
        var rng = SeededRNG(seed: 21)
        let tasks: [String?] = ["intent", "scene", nil]
        let records = try (0..<300).map { try FeaturiserTests.randomRecord(&rng, $0, task: tasks[$0 % 3]) }
        // The vocabulary sees only the first half: the rest has ids the head never saw.
        let raws = records.enumerated().map { i, r -> RawText in
            var raw = RawText()
            hasher.extract(RecordText(r), task: tasks[i % 3], into: &raw)
            return raw
        }
        // Training reads records through `TextBytes` too: the same features as from the Strings.
        let reader = SampleReader(features: config, fields: RecordFields(), imageRoot: "")
        for (i, r) in records.enumerated() {
            var raw = RawText()
            try reader.text(r, task: try reader.task(r), into: &raw)
            #expect(raw.ids == raws[i].ids && raw.counts == raws[i].counts && raw.ends == raws[i].ends, "record \(i)")
        }
        var featuriser = Featuriser(config)
        featuriser.tokensPerChunk = tokensPerChunk
        featuriser.rowsBeforeCounting = rowsBeforeCounting
        let textBytes = TextBytes()
        var compared = 0
        for mask: UInt32 in [0b1111, 0b0001, 0b0101, 0b1010, 0b10001] {
            let fields = config.views.indices.filter { mask & (1 << UInt32($0)) != 0 }.map { config.views[$0] }
            for ngrams in [1, 3] {
              for chars in [true, false] {
                let vocabulary = Vocabulary.build(Array(raws[..<150]), config: config, views: mask, higher: ngrams > 1, chars: chars)
                let head = Head(task: "", labels: ["a", "b"], views: mask, wordNgrams: ngrams, chars: chars, vocabulary: vocabulary, denseCount: 0, hidden: 0)
                var rows: [Int32] = [], values: [Float] = []
                for (i, r) in records.enumerated() {
                    vocabulary.weigh(raws[i], config: config, views: mask, higher: ngrams > 1, chars: chars, rows: &rows, values: &values)
                    textBytes.load(r, views: fields)
                    featuriser.weigh(textBytes, task: tasks[i % 3], head: head)
                    #expect(featuriser.rows == rows, "record \(i), mask \(mask), n-grams \(ngrams), chars \(chars)")
                    #expect(featuriser.values.map(\.bitPattern) == values.map(\.bitPattern), "record \(i), mask \(mask), n-grams \(ngrams), chars \(chars)")
                    compared += rows.count
                }
              }
            }
        }
        #expect(compared > 10_000)
    }

    @Test func radixSortSorts() {
        var rng = SeededRNG(seed: 5)
        var scratch: [Int32] = []
        for bound in [1, 7, 256, 300, 70_000, 1 << 24] {
            for n in [0, 1, 2, 31, 32, 33, 200, 1000] {
                var a = (0..<n).map { _ in Int32(rng.next() % UInt64(bound)) }
                let expected = a.sorted()
                Featuriser.sort(&a, scratch: &scratch, bound: bound)
                #expect(a == expected, "bound \(bound), n \(n)")
            }
        }
    }
}
