import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import kdsl_model
import Basics
import JSONLines
import RecordKeys
import TextViews

/// Late fusion: the embedding head beside the n-gram head, trained, mixed, in the model file.

/// 24 records whose text says nothing about the label (every record the same words) while their
/// `user` vectors do (the two labels' vectors point to two corners, with seeded noise); with
/// `vectors: false` the records carry no `embedding`.
private func fusionSamples(vectors: Bool = true, encoder: String = "enc") -> [Sample] {
    let hasher = TextHasher(FeatureConfig())
    var rng = SeededRNG(seed: 5)
    return (0..<24).map { i in
        let label = i % 2 == 0 ? "a" : "b"
        var raw = RawText()
        hasher.extract(RecordText(user: "hello there", agent: "", ocr: "", all: "hello there"), task: nil, into: &raw)
        var embedding: EmbeddingValue? = nil
        if vectors {
            var v = (0..<8).map { _ in Float(rng.nextUnit()) * 0.2 }
            v[label == "a" ? 0 : 1] += 1
            embedding = EmbeddingValue(encoder: encoder, views: [.init(name: "user", vector: v)])
        }
        return Sample(task: nil, label: label, raw: raw, image: nil, location: SourceLocation(file: nil, line: i + 1), embedding: embedding)
    }
}

private func builder(_ mode: EmbeddingMode, mix: Float? = nil) -> ModelBuilder {
    var settings = TrainSettings()
    settings.epochs = 20
    var b = ModelBuilder(features: FeatureConfig(), settings: settings, verbose: false)
    b.embedding = mode
    b.mix = mix
    b.mixCriterion = .f1
    return b
}

@Suite struct EmbeddingTrainingTests {
    /// The text cannot tell the labels apart, the vectors can: auto gives the head an embedding
    /// head, the inner folds give it the larger share, and every record is then right.
    @Test func embeddingHeadLearnsWhatTheTextCannot() throws {
        let s = fusionSamples()
        let model = try builder(.auto).build(s)
        let head = model.heads[0]
        let e = try #require(head.embedding)
        #expect(e.views == ["user"] && e.dimension == 8 && e.encoder == "enc")
        #expect(e.mix < 0.5)
        let predictor = Predictor(model: model, reader: SampleReader(features: model.features, fields: RecordFields(), imageRoot: "."), top: 2)
        for x in s {
            #expect(predictor.predict(raw: x.raw, image: nil, embedding: x.embedding, head: head)["label"]?.stringValue == x.label)
        }
        // Without its vectors a record gets the n-gram head's probabilities alone.
        let alone = try builder(.off).build(s)
        let p = Predictor(model: alone, reader: SampleReader(features: alone.features, fields: RecordFields(), imageRoot: "."), top: 2)
        #expect(predictor.predict(raw: s[0].raw, image: nil, embedding: nil, head: head) == p.predict(raw: s[0].raw, image: nil, head: alone.heads[0]))
    }

    /// Records without vectors: auto trains the model of --embedding off, the same bytes, in
    /// format 3; on refuses, naming kdsl-embed.
    @Test func noVectorsNoEmbeddingHead() throws {
        let s = fusionSamples(vectors: false)
        let auto = ModelFile.encode(try builder(.auto).build(s))
        #expect(auto == ModelFile.encode(try builder(.off).build(s)))
        #expect(Array(auto[8..<12]) == [3, 0, 0, 0])
        do {
            _ = try builder(.on).build(s)
            Issue.record("--embedding on trained without vectors")
        } catch let e as SetupError {
            #expect(e.message.contains("kdsl-embed"))
        }
        // A mix of 1 leaves the embedding head out.
        #expect(try builder(.on, mix: 1).build(fusionSamples()).heads[0].embedding == nil)
        // --embedding off does not read them even when they are there.
        #expect(try builder(.off).build(fusionSamples()).heads[0].embedding == nil)
    }

    @Test func twoEncodersAreRefused() throws {
        var s = fusionSamples()
        s[3].embedding?.encoder = "other"
        #expect(throws: SetupError.self) { try builder(.auto).build(s) }
    }

    /// Format 4 keeps the embedding head and its mix: decoded and encoded again, the same bytes
    /// and the same probabilities; a fixed --mix is kept as given.
    @Test func roundTripsInFormat4() throws {
        let s = fusionSamples()
        let model = try builder(.on, mix: 0.25).build(s)
        #expect(model.heads[0].embedding?.mix == 0.25)
        let bytes = ModelFile.encode(model)
        #expect(Array(bytes[8..<12]) == [4, 0, 0, 0])
        let back = try ModelFile.decode(bytes, name: "m")
        #expect(ModelFile.encode(back) == bytes)
        let reader = SampleReader(features: model.features, fields: RecordFields(), imageRoot: ".")
        let a = Predictor(model: model, reader: reader, top: 2), b = Predictor(model: back, reader: reader, top: 2)
        for x in s {
            #expect(a.predict(raw: x.raw, image: nil, embedding: x.embedding, head: model.heads[0])
                    == b.predict(raw: x.raw, image: nil, embedding: x.embedding, head: back.heads[0]))
        }
        #expect(ModelFile.encode(try builder(.on, mix: 0.25).build(s)) == bytes)
        // A damaged mix (past 1) is a corrupt file.
        var bad = bytes
        if let at = (32..<(bad.count - 4)).last(where: { Array(bad[$0..<($0 + 4)]) == withUnsafeBytes(of: Float(0.25).bitPattern.littleEndian, Array.init) }) {
            withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { for (i, x) in $0.enumerated() { bad[at + i] = x } }
            let sum = Array(bad[32...]).withUnsafeBufferPointer { ModelFile.checksum($0) }
            withUnsafeBytes(of: sum.littleEndian) { for (i, x) in $0.enumerated() { bad[24 + i] = x } }
            #expect(throws: SetupError.self) { try ModelFile.decode(bad, name: "m") }
        } else {
            Issue.record("the mix is not in the file")
        }
    }
}
