import Basics
import Foundation
import JSONLines
import RecordKeys
import Testing

/// The `embedding` key: its byte writer equals its JSON form's serialisation, every number reads
/// back as the same Float32, the byte scanner and the JSON tree read the same values, and the
/// reader refuses values of the wrong shape, each with its message.
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

    /// Every check of the decoder, with its exact message, as `read` reports it from a record
    /// (whichever path reads it) and as the JSON tree's decoder does.
    @Test(arguments: [
        (#"{"embedding":[1,2]}"#, "embedding is an array, expected an object (as kdsl-embed writes it)"),
        (#"{"embedding":"e5"}"#, "embedding is a string, expected an object (as kdsl-embed writes it)"),
        (#"{"embedding":{"encoder":3,"user":[1]}}"#, "embedding.encoder is a number, expected a string"),
        (#"{"embedding":{"encoder":null,"user":[1]}}"#, "embedding.encoder is null, expected a string"),
        (#"{"embedding":{"encoder":"e","user":"abc"}}"#, "embedding.user is a string, expected an array of numbers or null"),
        (#"{"embedding":{"encoder":"e","user":{"0":1}}}"#, "embedding.user is an object, expected an array of numbers or null"),
        (#"{"embedding":{"encoder":"e","user":true}}"#, "embedding.user is a boolean, expected an array of numbers or null"),
        (#"{"embedding":{"encoder":"e","user":[1,"2"]}}"#, "embedding.user[1] is a string, expected a number"),
        (#"{"embedding":{"encoder":"e","user":[1,[2]]}}"#, "embedding.user[1] is an array, expected a number"),
        (#"{"embedding":{"encoder":"e","user":[1,null]}}"#, "embedding.user[1] is null, expected a number"),
        (#"{"embedding":{"encoder":"e","user":[0,1e39]}}"#, "embedding.user[1] is 1e+39, outside the range of a 32-bit float"),
        (#"{"embedding":{"encoder":"e","user":[-3.5e38,0]}}"#, "embedding.user[0] is -3.5e+38, outside the range of a 32-bit float"),
        (#"{"embedding":{"encoder":"e","user":[]}}"#, "embedding.user is an empty array, expected a vector"),
        (#"{"embedding":{"encoder":"e","user":[1,2],"ocr":null,"agent":[1,2,3]}}"#, "embedding: user has 2 numbers, agent 3; the views of one encoder have one length"),
        (#"{"embedding":{"encoder":"e","us\u0065r":[1,2],"ocr":[1]}}"#, "embedding: user has 2 numbers, ocr 1; the views of one encoder have one length"),
    ])
    func wrongShapesAreRefused(_ line: String, _ message: String) throws {
        let record = try Record(line)
        #expect { try EmbeddingValue.read(from: record, at: "embedding") } throws: { ($0 as? RecordError)?.message == message }
        let json = try #require(record.value(at: "embedding"))
        #expect { try EmbeddingValue(json: json, at: "embedding") } throws: { ($0 as? RecordError)?.message == message }
    }

    @Test func messagesNameTheFieldPath() throws {
        let record = try Record(#"{"vec":{"e5":{"encoder":"e","user":[1,"x"]}}}"#)
        #expect { try EmbeddingValue.read(from: record, at: "vec.e5") } throws: { ($0 as? RecordError)?.message == "vec.e5.user[1] is a string, expected a number" }
    }

    /// A record without the key or with `null` has no value; a view written `null` is kept, apart
    /// from the views with vectors; a value without `encoder` reads as encoder "".
    @Test func readsViewsAndKeepsNullOnes() throws {
        let record = try Record(#"{"id":"x","embedding":{"encoder":"multilingual-e5-small","user":[0.5,-0.25,1e-3],"ocr":null}}"#)
        let e = try #require(try EmbeddingValue.read(from: record, at: "embedding"))
        #expect(e.encoder == "multilingual-e5-small")
        #expect(e.views.map(\.name) == ["user", "ocr"])
        #expect(e.vectors.map(\.name) == ["user"] && e.nullViews == ["ocr"])
        #expect(e.vector("user") == [0.5, -0.25, 0.001] && e.vector("ocr") == nil && e.vector("agent") == nil)
        #expect(try EmbeddingValue.read(from: try Record(#"{"id":"x"}"#), at: "embedding") == nil)
        #expect(try EmbeddingValue.read(from: try Record(#"{"id":"x","embedding":null}"#), at: "embedding") == nil)
        #expect(try EmbeddingValue.read(from: try Record(#"{"embedding":{"user":[1]}}"#), at: "embedding")?.encoder == "")
        #expect(try EmbeddingValue.read(from: try Record(#"{"embedding":{}}"#), at: "embedding") == EmbeddingValue(encoder: "", views: []))
    }

    /// The value `text` read by the byte scanner, by the JSON tree and by `read`; the scanner's
    /// nil when it leaves the value to the tree.
    static func threeWays(_ text: String) throws -> (fast: EmbeddingValue??, tree: EmbeddingValue, read: EmbeddingValue?) {
        let bytes = Array(text.utf8)
        let fast: EmbeddingValue?? = bytes.withUnsafeBufferPointer { b -> EmbeddingValue?? in
            switch EmbeddingValue.Scanner.scan(b) { case .value(let v)?: return .some(v); case .null?: return .some(nil); case nil: return nil }
        }
        let tree = try EmbeddingValue(json: try JSON.parse(text), at: "embedding")
        let read = try EmbeddingValue.read(from: try Record(#"{"id":1,"embedding":"# + text + "}"), at: "embedding")
        return (fast, tree, read)
    }

    /// Equal names, encoder and the same Float32 bits (so -0 is not 0).
    static func same(_ a: EmbeddingValue?, _ b: EmbeddingValue?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.encoder == b.encoder && a.views.map(\.name) == b.views.map(\.name)
            && a.views.map { $0.vector?.map(\.bitPattern) } == b.views.map { $0.vector?.map(\.bitPattern) }
    }

    /// Spellings the scanner reads itself: negative zero, exponents in both cases and signs,
    /// subnormals, underflow to zero, the edges of Float32's range, long decimals, integers,
    /// spacing inside arrays and around members, a key given twice (first place, last value).
    @Test(arguments: [
        #"{"encoder":"e","user":[-0,-0.0,0,0.0,-0e0,1E5,1e+5,1E-5,2.5e-3,-1.5E-7,123456789,-42]}"#,
        #"{"encoder":"e","user":[1e-45,1.4e-45,7e-46,1e-50,-1e-50,1.17549435e-38,1e-40]}"#,
        #"{"encoder":"e","user":[3.4028234e38,-3.4028235e38,3.4028235677973362e38,-3.40282346638528859811704183484516925440e38,3.40282356e38]}"#,
        #"{"encoder":"e","user":[0.12345678901234567890123,0.1,0.2,0.30000000000000004,0.099999994,0.33333334]}"#,
        "{ \"encoder\" : \"e\" ,\t\"user\" :\t[ 1 ,\t2 , 3\t] , \"ocr\" : null ,\"agent\":[\t-0.5,0.25 ,\r\n1e0 ] }",
        #"{"encoder":"e","user":[1,2],"ocr":null,"user":[3,4],"ocr":[5,6]}"#,
        #"{"encoder":"e","user":[1,2],"ocr":[5,6],"user":null}"#,
        #"{"user":null,"ocr":null}"#,
        #"{}"#,
    ])
    func scannerEqualsTree(_ text: String) throws {
        let (fast, tree, read) = try Self.threeWays(text)
        let scanned = try #require(fast, "the scanner left \(text) to the tree")
        #expect(Self.same(scanned, tree), "\(text)")
        #expect(Self.same(read, tree), "\(text)")
    }

    /// What the scanner leaves to the tree (escapes, huge numbers, mistakes) is read the same.
    @Test(arguments: [
        #"{"encoder":"t\u006fy","us\u0065r":[0.1, 1.2e0 ,-0]}"#,
        #"{"encoder":"a\"b","user":[1]}"#,
        #"{"encoder":"e","user":[1,2],"ocr":[1]}"#,
    ])
    func declinedValuesReadThroughTheTree(_ text: String) throws {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer { EmbeddingValue.Scanner.scan($0) } == nil)
        if let (_, tree, read) = try? Self.threeWays(text) { #expect(Self.same(read, tree)) }
    }

    /// NaN, infinities and numbers beyond Float32 are never read by the scanner (JSON has no
    /// NaN; the reader refuses such lines, and 1e39 is the tree's to report).
    @Test(arguments: ["NaN", "-NaN", "nan", "-nan", "Infinity", "-Infinity", "inf", "-inf", "1e39", "-1e39", "1e999", "-1e999", "3.4028236e38"])
    func scannerDeclinesNonFloats(_ number: String) {
        let bytes = Array(#"{"encoder":"e","user":[0,"#.utf8) + Array(number.utf8) + Array("]}".utf8)
        #expect(bytes.withUnsafeBufferPointer { EmbeddingValue.Scanner.scan($0) } == nil, "\(number)")
    }

    /// Random numbers in many spellings, spacing, null views and keys given twice: the byte
    /// scanner, the JSON tree and `read` agree.
    @Test func scannerEqualsTreeOnRandomValues() throws {
        var rng = SeededRNG(seed: 11)
        let spellings: [(Double) -> String] = [{ "\($0)" }, { "\(Float($0))" }, { String(format: "%.3e", $0) }, { String(format: "%.9g", $0) }, { "\(Int($0 * 100))" }]
        for _ in 0..<200 {
            var members: [String] = [#""encoder":"e5""#]
            for view in ["user", "ocr", "user"] {
                if rng.nextUnit() < 0.2 { members.append("\"\(view)\" : null"); continue }
                let numbers = (0..<5).map { _ in spellings[Int(rng.nextUnit() * 5)]((rng.nextUnit() - 0.5) * (rng.nextUnit() < 0.1 ? 1e-6 : 2)) }
                members.append("\"\(view)\":[ " + numbers.joined(separator: rng.nextUnit() < 0.5 ? "," : " , ") + "]")
            }
            let text = "{ " + members.joined(separator: ",") + " }"
            let (fast, tree, read) = try Self.threeWays(text)
            let scanned = try #require(fast, "\(text)")
            #expect(Self.same(scanned, tree), "\(text)")
            #expect(Self.same(read, tree), "\(text)")
        }
    }
}
