@testable import kdsl_model
import Basics
import JSONLines
import TextViews

/// A tiny labelled problem, shared by the tests of training, the model file and prediction: two
/// namespaces of text, optional image block of `dense` random features (the training path needs
/// `ImageFeatures.count`; the gradient check a smaller block, where finite differences in Float
/// stay precise).
func tinyProblem(images: Bool = false, dense: Int = ImageFeatures.count) -> [Sample] {
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
