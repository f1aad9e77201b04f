import Basics
import JSONLines
import RecordKeys
import Testing

/// The `embedding` key: its byte writer equals its JSON form's serialisation, every number reads
/// back as the same Float32, and the decoder refuses values of the wrong shape.
@Suite struct EmbeddingValueTests {
    /// Floats of every magnitude a unit vector holds, and the edges of Float32's range.
    static let awkward: [Float] = [0, Float(-0.0), 1, -1, 0.1, -0.012345678, 6.718268e-05, 4.993732e-05, 1e-30, -3.4028235e+38,
                                   .leastNonzeroMagnitude, .leastNormalMagnitude, 0.33333334, 0.099999994]

    @Test func bytesAreTheJSONFormsAndReadBackExactly() throws {
        var rng = SeededRNG(seed: 7)
        let random = (0..<384).map { _ in Float(Double(rng.next() % 2_000_001) / 1_000_000 - 1) * Float(rng.next() % 3 == 0 ? 1e-4 : 1) }
        let value = try #require(EmbeddingValue(encoder: "multilingual-e5-small", views: [
            .init(name: "user", vector: Self.awkward + random), .init(name: "ocr", vector: nil), .init(name: "agent", vector: random + Self.awkward),
        ]))
        var bytes: [UInt8] = []
        value.serialize(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == value.json.serialized)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"encoder":"multilingual-e5-small","user":[0.0,-0.0,1.0,-1.0,0.1,-0.012345678,6.718268e-05,"#))
        #expect(text.contains(#""ocr":null,"agent":["#))
        // Valid JSON that decodes to the same Float32s, views in order.
        let parsed = try JSON.parse(text)
        let back = try EmbeddingValue(json: parsed, at: FieldPath("embedding"))
        #expect(back == value)
        #expect(back.views.map(\.name) == ["user", "ocr", "agent"])
        #expect(back.vector("ocr") == nil && back.vector("user")?.count == Self.awkward.count + 384)
    }

    @Test func nonFiniteComponentsAreRefused() {
        for bad in [Float.nan, .infinity, -.infinity] {
            #expect(EmbeddingValue(encoder: "e", views: [.init(name: "user", vector: [0.5, bad])]) == nil)
        }
    }

    @Test(arguments: [
        (#"[1]"#, "expected an object"),
        (#"{"user":[1]}"#, "encoder"),
        (#"{"encoder":"e","user":"x"}"#, "embedding.user' is a string"),
        (#"{"encoder":"e","user":[1,"a"]}"#, "holds a string"),
        (#"{"encoder":"e","user":[1e39]}"#, "out of Float32's range"),
        (#"{"encoder":"e","user":[1,2],"ocr":[1]}"#, "has 1 numbers where another view has 2"),
    ])
    func wrongShapesAreRefused(_ json: String, _ words: String) throws {
        let value = try JSON.parse(json)
        #expect { try EmbeddingValue(json: value, at: FieldPath("embedding")) } throws: { ($0 as? RecordError)?.message.contains(words) == true }
    }
}
