import Foundation
import Testing
@testable import kdsl_model
import TestSupport
import JSONLines
import TextViews
import TestSupport

/// A tiny labelled problem: two namespaces of text, optional image block of `dense` random
/// features (the training path needs `ImageFeatures.count`; the gradient check a smaller block,
/// where finite differences in Float stay precise).
private func samples(images: Bool = false, dense: Int = ImageFeatures.count) -> [Sample] {
    let texts: [(String, String)] = [
        ("where is my parcel", "track"), ("parcel not arrived yet", "track"), ("track my order please", "track"),
        ("refund my money", "refund"), ("i want a refund now", "refund"), ("money back please", "refund"),
        ("退款 什么时候到", "refund"), ("快递 到哪里了", "track"),
    ]
    let hasher = TextHasher(FeatureConfig())
    var rng = SeededRNG(seed: 9)
    return texts.enumerated().map { i, t in
        var raw = RawText()
        hasher.extract(RecordText(user: t.0, agent: "", ocr: "", all: t.0), task: nil, into: &raw)
        let img: [Float]? = images ? (0..<dense).map { _ in Float(rng.nextUnit()) + (t.1 == "track" ? 0.5 : 0) } : nil
        return Sample(task: nil, label: t.1, raw: raw, image: img, location: SourceLocation(file: nil, line: i + 1))
    }
}

@Suite struct FeatureHashingTests {
    @Test func sameTextSameFeatures() {
        let hasher = TextHasher(FeatureConfig())
        let text = RecordText(user: "Where is my parcel? 快递到哪了", agent: "稍等", ocr: "ORDER 123", all: "")
        var a = RawText(), b = RawText()
        hasher.extract(text, task: "intent", into: &a)
        hasher.extract(text, task: "intent", into: &b)
        #expect(a.ids == b.ids && a.counts == b.counts && a.ends == b.ends)
        #expect(!a.ids.isEmpty)
        #expect(a.ends.count == 9)  // three segments per view: word unigrams, char n-grams, higher word n-grams
    }

    @Test func weighingIsUnitLengthPerNamespace() {
        let s = samples()
        let vocabulary = Vocabulary.build(s.map(\.raw))
        var rows: [Int32] = [], values: [Float] = []
        vocabulary.weigh(s[0].raw, config: FeatureConfig(), rows: &rows, values: &values)
        let norm = values.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-5)
        for (r, id) in zip(rows, rows.map { vocabulary.ids[Int($0)] }) { #expect(vocabulary.row(id) == r) }
        #expect(vocabulary.row(0x7FFF_FFFE) == -1 || vocabulary.ids.contains(0x7FFF_FFFE))
    }
}

@Suite struct GradientTests {
    /// One full-batch step with lr ε moves each weight by −ε·∂L/∂w: compare with central
    /// differences of the mean cross-entropy (softmax regression and the hidden layer, both
    /// through the sgemm paths, with an image block).
    @Test(arguments: [0, 6])
    func matchesFiniteDifferences(hidden: Int) throws {
        let s = samples(images: true, dense: 187)
        let vocabulary = Vocabulary.build(s.map(\.raw))
        let labels = ["refund", "track"]
        let head = Head(task: "", labels: labels, vocabulary: vocabulary, denseCount: 187, hidden: hidden)
        head.fitStandardisation(s.compactMap(\.image), weight: 1)
        var examples: [Example] = []
        var rows: [Int32] = [], values: [Float] = []
        for x in s {
            vocabulary.weigh(x.raw, config: FeatureConfig(), rows: &rows, values: &values)
            var img = x.image!
            head.standardise(&img)
            examples.append(Example(rows: rows, values: values, dense: img, label: labels.firstIndex(of: x.label!)!))
        }
        var rng = SeededRNG(seed: 3)
        func r() -> Float { Float(rng.nextUnit()) * 0.6 - 0.3 }
        for i in head.ws.indices { head.ws[i] = r() }
        for i in head.wd.indices { head.wd[i] = r() }
        for i in head.b1.indices { head.b1[i] = r() }
        for i in head.u.indices { head.u[i] = r() }
        for i in head.b2.indices { head.b2[i] = r() }
        let before = (head.ws, head.wd, head.b1, head.u)
        var settings = TrainSettings()
        settings.batch = examples.count; settings.l2 = 0; settings.learningRate = 1e-3
        let trainer = Trainer(settings: settings)
        try trainer.fit(head, examples, epochs: 1, rng: &rng, initialise: false)
        let after = (head.ws, head.wd, head.b1, head.u)
        head.ws = before.0; head.wd = before.1; head.b1 = before.2; head.u = before.3
        let eps: Float = 1e-2
        var checked = 0
        func check(_ get: () -> Float, _ set: (Float) -> Void, analytic: Float) {
            let w = get()
            set(w + eps); let lp = trainer.meanLoss(head, examples)
            set(w - eps); let lm = trainer.meanLoss(head, examples)
            set(w)
            let numeric = (lp - lm) / (2 * eps)
            #expect(abs(numeric - analytic) < 2e-3 + 0.05 * abs(numeric), "numeric \(numeric) analytic \(analytic)")
            checked += 1
        }
        for i in stride(from: 0, to: head.ws.count, by: max(1, head.ws.count / 15)) {
            check({ head.ws[i] }, { head.ws[i] = $0 }, analytic: (before.0[i] - after.0[i]) / 1e-3)
        }
        for i in stride(from: 0, to: head.wd.count, by: max(1, head.wd.count / 15)) {
            check({ head.wd[i] }, { head.wd[i] = $0 }, analytic: (before.1[i] - after.1[i]) / 1e-3)
        }
        for i in head.b1.indices { check({ head.b1[i] }, { head.b1[i] = $0 }, analytic: (before.2[i] - after.2[i]) / 1e-3) }
        for i in head.u.indices { check({ head.u[i] }, { head.u[i] = $0 }, analytic: (before.3[i] - after.3[i]) / 1e-3) }
        #expect(checked > 20)
    }

    /// Numbers that overflow Float make the loss or the weights non-finite: `fit` throws
    /// `TrainingDiverged` instead of leaving NaN weights (the CLI tests check the message).
    @Test func divergenceIsDetected() throws {
        var settings = TrainSettings()
        settings.learningRate = 1e30; settings.l2 = 0
        let s = samples()
        let vocabulary = Vocabulary.build(s.map(\.raw))
        var rows: [Int32] = [], values: [Float] = []
        let examples = s.map { x -> Example in
            vocabulary.weigh(x.raw, config: FeatureConfig(), rows: &rows, values: &values)
            return Example(rows: rows, values: values.map { $0 * 1e30 }, dense: nil, label: x.label == "refund" ? 0 : 1)
        }
        let head = Head(task: "", labels: ["refund", "track"], vocabulary: vocabulary, denseCount: 0, hidden: 0)
        var rng = SeededRNG(seed: 1)
        #expect(throws: TrainingDiverged.self) { try Trainer(settings: settings).fit(head, examples, epochs: 3, rng: &rng) }
        // The same examples at a sane scale train finite weights.
        settings.learningRate = 8
        let sane = examples.map { e -> Example in var e = e; e.values = e.values.map { $0 / 1e30 }; return e }
        try Trainer(settings: settings).fit(head, sane, epochs: 3, rng: &rng)
        #expect(head.allFinite)
    }

    @Test func learnsTheTinyProblem() throws {
        let s = samples()
        let model = try ModelBuilder(features: FeatureConfig(), settings: TrainSettings(), verbose: false).build(s)
        let reader = SampleReader(features: model.features, fields: RecordFields(), imageRoot: ".")
        let predictor = Predictor(model: model, reader: reader, top: 2)
        for x in s {
            let out = predictor.predict(raw: x.raw, image: nil, head: model.heads[0])
            #expect(out["label"]?.stringValue == x.label)
        }
    }
}

@Suite struct ModelFileTests {
    func model(seed: UInt64 = 1, hidden: Int = 0, images: Bool = true) throws -> Model {
        var settings = TrainSettings()
        settings.seed = seed; settings.hidden = hidden; settings.epochs = 20
        return try ModelBuilder(features: FeatureConfig(), settings: settings, verbose: false).build(samples(images: images))
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
            .trainHead(task: "", samples(), seed: 1, text: TextChoice(views: 0b101, wordNgrams: 1, chars: false))
        #expect(head.views == 0b101 && head.wordNgrams == 1 && !head.chars)
        let back = try ModelFile.decode(ModelFile.encode(Model(features: config, joint: false, heads: [head], info: "")), name: "m")
        #expect(back.heads[0].views == 0b101 && back.heads[0].wordNgrams == 1 && !back.heads[0].chars)
    }

    /// A text candidate replaces the default only when it wins clearly (McNemar, 2 standard
    /// deviations, and more than 1% of the records).
    @Test func textChoiceNeedsAClearWin() {
        func results(_ n: Int, gained: Int, lost: Int) -> (best: [Bool], first: [Bool]) {
            var best = [Bool](repeating: true, count: n), first = best
            for i in 0..<gained { first[i] = false }
            for i in gained..<(gained + lost) { best[i] = false }
            return (best, first)
        }
        let small = results(80, gained: 2, lost: 0)  // the bundled sample's intent head: 74 vs 72
        #expect(!ModelBuilder.clearlyBetter(small.best, than: small.first).clear)
        let noisy = results(300, gained: 29, lost: 17)  // 12 more right, but 46 records changed
        #expect(!ModelBuilder.clearlyBetter(noisy.best, than: noisy.first).clear)
        let clear = results(300, gained: 20, lost: 2)
        #expect(ModelBuilder.clearlyBetter(clear.best, than: clear.first) == (true, 20, 2))
        let tiny = results(1000, gained: 9, lost: 0)  // 3σ, but under 1% of the records
        #expect(!ModelBuilder.clearlyBetter(tiny.best, than: tiny.first).clear)
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
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-model-\(getpid())")
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

@Suite struct ImageFeatureTests {
    /// Each group of the image block carries an equal share of the weight: standardised, a small
    /// group's mean squared norm equals a large one's, and the block's is the weight squared.
    @Test func groupsShareTheImageWeight() {
        var rng = SeededRNG(seed: 4)
        let images = (0..<400).map { _ in (0..<10).map { i in Float(rng.nextUnit()) * Float(i + 1) } }
        let head = Head(task: "", labels: ["a", "b"], vocabulary: Vocabulary.build([]), denseCount: 10, hidden: 0)
        head.fitStandardisation(images, weight: 2, groups: [0..<2, 2..<10])
        var small: Float = 0, large: Float = 0
        for var x in images {
            head.standardise(&x)
            small += x[0..<2].reduce(0) { $0 + $1 * $1 }
            large += x[2..<10].reduce(0) { $0 + $1 * $1 }
        }
        small /= Float(images.count); large /= Float(images.count)
        #expect(abs(small - 2) < 1e-3 && abs(large - 2) < 1e-3, "\(small) \(large)")  // (2/√2)² each
        // Without groups every feature gets the same share: the small group carries 2 of 10.
        head.fitStandardisation(images, weight: 2)
        var whole: Float = 0, part: Float = 0
        for var x in images {
            head.standardise(&x)
            whole += x.reduce(0) { $0 + $1 * $1 }
            part += x[0..<2].reduce(0) { $0 + $1 * $1 }
        }
        #expect(abs(whole / Float(images.count) - 4) < 1e-3 && abs(part / Float(images.count) - 0.8) < 1e-3)
    }

    @Test func flipMirrorsTheGrids() {
        let w = 40, h = 30
        let f = ImageFeatures.summarise(width: w, height: h, originalWidth: w, originalHeight: h) { x, _ in (Float(x * 6), 0, 255) }
        let m = ImageFeatures.summarise(width: w, height: h, originalWidth: w, originalHeight: h) { x, _ in (Float((w - 1 - x) * 6), 0, 255) }
        let flipped = ImageFeatures.flipped(f)
        for i in 0..<ImageFeatures.count { #expect(abs(flipped[i] - m[i]) < 1e-4, "feature \(i)") }
        #expect(ImageFeatures.flipped(flipped) == f)
        #expect(f[0] < f[7])  // the left column is darker than the right
    }

    /// Vertical stripes have horizontal gradients (orientation 0°/180°, bins 0 and 8), horizontal
    /// stripes vertical ones (90°, bin 4); a flat image has (next to) none. Blocks are L2-Hys normalised.
    @Test func gradientHistogramsFollowTheEdges() {
        let w = 96, h = 200
        let vertical = Gradients.histograms(width: w, height: h) { x, _ in (x / 6) % 2 == 0 ? (0, 0, 0) : (255, 255, 255) }
        let horizontal = Gradients.histograms(width: w, height: h) { _, y in (y / 6) % 2 == 0 ? (0, 0, 0) : (255, 255, 255) }
        let flat = Gradients.histograms(width: w, height: h) { _, _ in (128, 128, 128) }
        #expect(vertical.count == Gradients.count)
        func bin(_ f: [Float], _ o: Int) -> Float { stride(from: o, to: f.count, by: Gradients.orientations).reduce(0) { $0 + f[$1] } }
        let v = (0..<9).map { bin(vertical, $0) }, hz = (0..<9).map { bin(horizontal, $0) }
        #expect(v[0] + v[8] > 0.9 * v.reduce(0, +))
        #expect(hz[4] > 0.9 * hz.reduce(0, +))
        #expect(flat.allSatisfy { $0 < 1e-3 })  // resampling rounding leaves gradients of ~1e-7
        // Each block of an image with edges everywhere has unit norm after L2-Hys.
        let block = vertical[0..<Gradients.blockSize].reduce(0) { $0 + $1 * $1 }
        #expect(abs(block - 1) < 1e-3)
    }

    /// A real decode through Leptonica: a PNM file written here, and a file that is not an image.
    @Test func decodesAFileAndCountsFailures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-img-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var ppm = Array("P6\n16 8\n255\n".utf8)
        for _ in 0..<8 { for x in 0..<16 { ppm += [UInt8(x * 16), 0, 0] } }
        try Data(ppm).write(to: dir.appendingPathComponent("a.ppm"))
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("b.jpg"))
        let jpeg = try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: dir.appendingPathComponent("cut.jpg"))
        var failed: [ImageFeatures.Failure] = []
        let f = ImageFeatures.of(paths: ["a.ppm", "b.jpg", "missing.png", "cut.jpg"], root: dir.path, failures: &failed)
        #expect(failed == [.init(path: "b.jpg", reason: "not a recognised image format"),
                           .init(path: "missing.png", reason: "No such file or directory"),
                           .init(path: "cut.jpg", reason: "truncated JPEG: no end-of-image marker")])
        let v = try #require(f)
        #expect(v.count == ImageFeatures.count)
        #expect(abs(v[176 + 8] - Float(log(16.0))) < 1e-5)  // log width of the original
        #expect(v[0] < v[7])
        #expect(ImageFeatures.of(paths: ["missing.png"], root: dir.path, failures: &failed) == nil)
    }
}

@Suite struct NonFiniteModelTests {
    /// A model whose checksum is right but which holds a NaN (or an infinity) is refused at load,
    /// by the library and by `predict` (exit 2, no output), rather than crashing or printing NaN.
    @Test func loadingRefusesNonFiniteNumbers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-nan-model-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, poison) in [("nan", Float.nan), ("inf", Float.infinity)] {
            let model = try ModelBuilder(features: FeatureConfig(), settings: TrainSettings(), verbose: false).build(samples())
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

@Suite struct StreamingEquivalenceTests {
    /// The splice fast path writes the same bytes as Record.set + serialize.
    @Test func fastPathEqualsGeneralPath() throws {
        let model = try ModelBuilder(features: FeatureConfig(), settings: TrainSettings(), verbose: false).build(samples())
        let reader = SampleReader(features: model.features, fields: RecordFields(), imageRoot: ".")
        let predictor = Predictor(model: model, reader: reader, top: 3)
        for line in [#"{"id":1,"text":"refund my money"}"#, #"{ "text" : "快递 到哪里了" }  "#, "{}", #"{"a":[1,{"b":"}"}],"text":"x\"y"}"#] {
            let record = try Record(line)
            var fast: [UInt8] = []
            #expect(try predictor.appendFast(record, to: &fast))
            var general = record
            try predictor.apply(&general)
            #expect(String(decoding: fast, as: UTF8.self) == String(decoding: general.serialized(), as: UTF8.self))
        }
    }
}
