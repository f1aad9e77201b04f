import Foundation
import Testing
@testable import kdsl_model
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

@Suite struct PredictionStreamTests {
    /// `predict --jobs N` writes the same bytes, messages and status for every N: batches of 256
    /// lines cross bad lines, unknown tasks, blank lines, a record that already has `model`, and
    /// images that cannot be read (a warning each, at its line, in input order).
    @Test func sameBytesForAnyJobs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-predict-jobs-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Scene records carry an image (two shades, so the image features vary), read by the model.
        for shade in 0..<2 {
            var ppm = Array("P6\n8 8\n255\n".utf8)
            for i in 0..<64 { ppm += [UInt8(i * 4), UInt8(shade * 200), 100] }
            try Data(ppm).write(to: dir.appendingPathComponent("ok\(shade).ppm"))
        }
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("bad.jpg"))
        let jpeg = try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg"))
        try jpeg.prefix(jpeg.count / 3).write(to: dir.appendingPathComponent("cut.jpg"))
        var train: [String] = []
        let words = [("refund", "refund money back"), ("track", "where parcel tracking"), ("size", "which size fits")]
        for i in 0..<90 {
            let (label, w) = words[i % 3]
            let image = i % 2 == 0 ? "" : #","images":["ok\#(i % 3 % 2).ppm"]"#
            train.append(#"{"task":"\#(i % 2 == 0 ? "intent" : "scene")","text":"\#(w) \#(i % 5)"\#(image),"label":"\#(label)"}"#)
        }
        let model = dir.appendingPathComponent("m.model").path
        let root = ["--image-root", dir.path]
        let t = try runTool("kdsl-model", ["train", "--out", model, "--epochs", "5", "--views", "user", "--word-ngrams", "2", "--image-weight", "1"] + root,
                            input: train.joined(separator: "\n") + "\n")
        #expect(t.status == 0, "\(t.err)")
        var rng = SeededRNG(seed: 3)
        var lines: [String] = []
        for i in 0..<1500 {
            let text = randomText(&rng).replacingOccurrences(of: "\n", with: "\\n")
            switch rng.next() % 50 {
            case 0: lines.append(#"{"text": "cut off"#)
            case 1: lines.append("")
            case 2: lines.append(#"{"task":"weather","text":"\#(text)"}"#)
            case 3: lines.append(#"{"task":"intent","model":{"old":true},"text":"\#(text)"}"#)
            case 4: lines.append("[\(i)]")
            case 5, 6:
                let image = ["missing.png", "bad.jpg", "cut.jpg", "ok0.ppm"][Int(rng.next() % 4)]
                lines.append(#"{"id":\#(i),"task":"scene","images":["\#(image)","ok1.ppm"],"text":"\#(text)"}"#)
            default: lines.append(#"{"id":\#(i),"task":"\#(i % 3 == 0 ? "scene" : "intent")","text":"\#(text)"}"#)
            }
        }
        let input = lines.joined(separator: "\n") + "\n"
        for strict in [false, true] {
            let flags = ["predict", "--model", model] + root + (strict ? ["--strict"] : [])
            let one = try runTool("kdsl-model", flags + ["--jobs", "1"], input: input)
            #expect(one.status == 1)
            for reason in ["missing.png: No such file or directory", "bad.jpg: not a recognised image format", "cut.jpg: truncated JPEG"] where !strict {
                #expect(one.err.contains(": warning: image \(reason)"), "\(reason)")
            }
            #expect(one.err.split(separator: "\n").allSatisfy { $0.hasPrefix("kdsl-model: ") })
            #expect(strict || one.lines.count == lines.filter { !$0.isEmpty }.count)
            for jobs in [2, 3, 8] {
                let many = try runTool("kdsl-model", flags + ["--jobs", "\(jobs)"], input: input)
                #expect(many.status == one.status)
                #expect(many.stdout == one.stdout, "--jobs \(jobs)\(strict ? " --strict" : "")")
                #expect(many.stderr == one.stderr, "--jobs \(jobs)\(strict ? " --strict" : "")")
            }
        }
        let bad = try runTool("kdsl-model", ["predict", "--model", model, "--jobs", "0"], input: "")
        #expect(bad.status == 2)
    }
}
