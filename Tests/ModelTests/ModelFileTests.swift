import Foundation
import Testing
@testable import kdsl_model
import TestSupport
import JSONLines
import TextViews
import TestSupport

@Suite struct ModelFileTests {
    func model(seed: UInt64 = 1, hidden: Int = 0, images: Bool = true) throws -> Model {
        var settings = TrainSettings()
        settings.seed = seed; settings.hidden = hidden; settings.epochs = 20
        return try ModelBuilder(features: FeatureConfig(), settings: settings, verbose: false).build(tinyProblem(images: images))
    }

    /// A head's text choice (views, word n-gram order, character n-grams) decides which features
    /// it reads and survives the file.
    @Test func textChoiceSelectsFeaturesAndRoundTrips() throws {
        let config = FeatureConfig()
        let hasher = TextHasher(config)
        var raw = RawText()
        hasher.extract(RecordText(user: "where is my parcel", agent: "", ocr: "parcel label", all: ""), task: nil, into: &raw)
        let bigram = hasher.wordID("where is", namespace: 0), unigram = hasher.wordID("where", namespace: 0)
        let ocrWord = hasher.wordID("label", namespace: 2)
        let all = Vocabulary.build([raw], config: config)
        #expect(all.ids.contains(bigram) && all.ids.contains(unigram) && all.ids.contains(ocrWord))
        let some = Vocabulary.build([raw], config: config, views: 0b011, higher: false)
        #expect(!some.ids.contains(bigram) && some.ids.contains(unigram) && !some.ids.contains(ocrWord))
        var rows: [Int32] = [], values: [Float] = []
        all.weigh(raw, config: config, views: 0b011, higher: false, rows: &rows, values: &values)
        #expect(rows.count == some.ids.count && !rows.contains(all.row(bigram)) && !rows.contains(all.row(ocrWord)))
        let trigram = hasher.charID("<wh", namespace: 0)
        #expect(all.ids.contains(trigram))
        let noChars = Vocabulary.build([raw], config: config, chars: false)
        #expect(!noChars.ids.contains(trigram) && noChars.ids.contains(bigram) && noChars.ids.contains(unigram))
        all.weigh(raw, config: config, chars: false, rows: &rows, values: &values)
        #expect(rows.count == noChars.ids.count && !rows.contains(all.row(trigram)))

        var settings = TrainSettings()
        settings.epochs = 5
        let head = try ModelBuilder(features: config, settings: settings, verbose: false)
            .trainHead(task: "", tinyProblem(), seed: 1, text: TextChoice(views: 0b101, wordNgrams: 1, chars: false))
        #expect(head.views == 0b101 && head.wordNgrams == 1 && !head.chars)
        let back = try ModelFile.decode(ModelFile.encode(Model(features: config, joint: false, heads: [head], info: "")), name: "m")
        #expect(back.heads[0].views == 0b101 && back.heads[0].wordNgrams == 1 && !back.heads[0].chars)
    }

    @Test(arguments: [0, 8])
    func roundTrip(hidden: Int) throws {
        let m = try model(hidden: hidden)
        let bytes = ModelFile.encode(m)
        let back = try ModelFile.decode(bytes, name: "m")
        #expect(ModelFile.encode(back) == bytes)
        #expect(back.heads[0].labels == ["refund", "track"])
        #expect(back.features == m.features)
    }

    @Test func sameBytesTwice() throws {
        #expect(ModelFile.encode(try model(hidden: 8)) == ModelFile.encode(try model(hidden: 8)))
        #expect(ModelFile.encode(try model(seed: 1, hidden: 8)) != ModelFile.encode(try model(seed: 2, hidden: 8)))
    }

    @Test func detectsCorruptTruncatedForeign() throws {
        let bytes = ModelFile.encode(try model())
        var corrupt = bytes
        corrupt[bytes.count / 2] ^= 0x40
        #expect(message { try ModelFile.decode(corrupt, name: "m") }.contains("checksum"))
        #expect(message { try ModelFile.decode(Array(bytes.prefix(bytes.count - 10)), name: "m") }.contains("truncated"))
        #expect(message { try ModelFile.decode(Array(bytes.prefix(20)), name: "m") }.contains("truncated"))
        #expect(message { try ModelFile.decode(Array("{\"not\": \"a model\"}".utf8), name: "m") }.contains("not a kdsl-model file"))
        var future = bytes
        future[8] = 9
        #expect(message { try ModelFile.decode(future, name: "m") }.contains("version"))
        // Older files (1: before per-head views; 2: before gradient histograms and the per-head
        // character n-gram choice) are refused with a clear message, not misread.
        for v: UInt8 in [1, 2] {
            var old = bytes
            old[8] = v
            #expect(message { try ModelFile.decode(old, name: "m") } == "m: model format version \(v), this kdsl-model reads versions 3 and 4; retrain it")
        }
    }

    /// A payload whose checksum is written again after a size in it changed: the loader checks
    /// each size against the file and sane limits before prediction allocates from it.
    @Test func sizesInASealedPayloadAreChecked() throws {
        let bytes = ModelFile.encode(try model(hidden: 8))
        func u32(_ b: [UInt8], _ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
        // The feature configuration follows the view names: word order, char min, char max, bits.
        var at = ModelFile.headerSize + 4
        for _ in 0..<u32(bytes, ModelFile.headerSize) { at += 4 + u32(bytes, at) }
        func sealed(_ offset: Int, _ value: UInt32) -> [UInt8] {
            var b = bytes
            for i in 0..<4 { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
            let sum = b.withUnsafeBufferPointer { ModelFile.checksum(UnsafeBufferPointer(rebasing: $0[ModelFile.headerSize...])) }
            for i in 0..<8 { b[24 + i] = UInt8(truncatingIfNeeded: sum >> (8 * UInt64(i))) }
            return b
        }
        #expect(message { try ModelFile.decode(sealed(at + 8, 0x7FFF_FFFF), name: "m") }.contains("m: corrupt model file: character n-grams"))
        #expect(message { try ModelFile.decode(sealed(at + 4, 0xFFFF_FFFF), name: "m") }.contains("m: corrupt model file: character n-grams"))
        #expect(message { try ModelFile.decode(sealed(at, 100_000), name: "m") }.contains("m: corrupt model file: word n-gram order"))
        #expect(message { try ModelFile.decode(sealed(at + 12, 40), name: "m") }.contains("m: corrupt model file: hash bits"))
        // Unchanged, it still reads.
        #expect(try ModelFile.decode(sealed(at, UInt32(u32(bytes, at))), name: "m").heads.count == 1)
    }

    @Test func writesAtomically() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-model-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.model").path
        try ModelFile.write(try model(), to: path)
        #expect(try ModelFile.read(path).heads.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.model"])
        #expect(message { try ModelFile.write(try model(), to: dir.path + "/missing/m.model") }.contains("cannot write"))
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }
}

@Suite struct NonFiniteModelTests {
    /// A model whose checksum is right but which holds a NaN (or an infinity) is refused at load,
    /// by the library and by `predict` (exit 2, no output), rather than crashing or printing NaN.
    @Test func loadingRefusesNonFiniteNumbers() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-nan-model-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, poison) in [("nan", Float.nan), ("inf", Float.infinity)] {
            let model = try ModelBuilder(features: FeatureConfig(), settings: TrainSettings(), verbose: false).build(tinyProblem())
            model.heads[0].ws[3] = poison
            let bytes = ModelFile.encode(model)
            #expect(throws: SetupError.self) { try ModelFile.decode(bytes, name: name) }
            let path = dir.appendingPathComponent("\(name).model").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let p = try runTool("kdsl-model", ["predict", "--model", path], input: #"{"text":"refund my money"}"# + "\n")
            #expect(p.status == 2, "\(name): \(p.err)")
            #expect(p.err.contains("non-finite number in head \"\" (text weights [3])"), "\(p.err)")
            #expect(p.out.isEmpty)
        }
    }
}
