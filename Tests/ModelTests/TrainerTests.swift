import Basics
import Testing
@testable import kdsl_model
import JSONLines
import TextViews

@Suite struct TrainerTests {
    /// One full-batch step with lr ε moves each weight by −ε·∂L/∂w: compare with central
    /// differences of the mean cross-entropy (softmax regression and the hidden layer, both
    /// through the sgemm paths, with an image block).
    @Test(arguments: [0, 6])
    func matchesFiniteDifferences(hidden: Int) throws {
        let s = tinyProblem(images: true, dense: 187)
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
        let s = tinyProblem()
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
        let s = tinyProblem()
        let model = try ModelBuilder(features: FeatureConfig(), settings: TrainSettings(), verbose: false).build(s)
        let reader = SampleReader(features: model.features, fields: RecordFields(), imageRoot: ".")
        let predictor = Predictor(model: model, reader: reader, top: 2)
        for x in s {
            let out = predictor.predict(raw: x.raw, image: nil, head: model.heads[0])
            #expect(out["label"]?.stringValue == x.label)
        }
    }
}
