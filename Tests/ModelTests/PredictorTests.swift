import Testing
@testable import kdsl_model
import JSONLines
import TextViews

@Suite struct PredictorTests {
    /// The splice fast path writes the same bytes as Record.set + serialize.
    @Test func fastPathEqualsGeneralPath() throws {
        let model = try ModelBuilder(features: FeatureConfig(), settings: TrainSettings(), verbose: false).build(tinyProblem())
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
