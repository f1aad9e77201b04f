import Basics
import Testing
import Foundation
@testable import kdsl_model
import JSONLines

@Suite struct EmbeddingVectorsTests {
    @Test func readsViewsAndSkipsNull() throws {
        let r = try Record(#"{"id":"x","embedding":{"encoder":"multilingual-e5-small","user":[0.5,-0.25,1e-3],"ocr":null}}"#)
        let e = try #require(try EmbeddingVectors.of(r, field: "embedding"))
        #expect(e.encoder == "multilingual-e5-small")
        #expect(e.views.map(\.name) == ["user"])
        #expect(e.vector("user") == [0.5, -0.25, 0.001])
        #expect(e.vector("ocr") == nil)
        #expect(try EmbeddingVectors.of(try Record(#"{"id":"x"}"#), field: "embedding") == nil)
    }

    /// The byte scanner reads what the JSON tree reads: random numbers in many spellings,
    /// spacing, null views and keys given twice.
    @Test func scannerEqualsTree() throws {
        var rng = SeededRNG(seed: 11)
        let spellings: [(Double) -> String] = [{ "\($0)" }, { "\(Float($0))" }, { String(format: "%.3e", $0) }, { String(format: "%.9g", $0) }, { "\(Int($0 * 100))" }]
        for round in 0..<200 {
            var members: [String] = [#""encoder":"e5""#]
            for view in ["user", "ocr", "user"] {
                if rng.nextUnit() < 0.2 { members.append("\"\(view)\" : null"); continue }
                let numbers = (0..<5).map { _ in spellings[Int(rng.nextUnit() * 5)]((rng.nextUnit() - 0.5) * (rng.nextUnit() < 0.1 ? 1e-6 : 2)) }
                members.append("\"\(view)\":[ " + numbers.joined(separator: rng.nextUnit() < 0.5 ? "," : " , ") + "]")
            }
            let line = #"{"id":\#(round),"embedding":{ "# + members.joined(separator: ",") + " }}"
            let record = try Record(line)
            let fast = try #require(try EmbeddingVectors.of(record, field: "embedding"))
            guard case .object(let tree)? = record.value(at: "embedding") else { Issue.record("no tree"); continue }
            var expected: [(String, [Float])] = []
            for (name, value) in tree where name != "encoder" {
                expected.removeAll { $0.0 == name }
                if let items = value.arrayValue { expected.append((name, items.map { Float($0.doubleValue!) })) }
            }
            #expect(fast.views.map(\.name) == expected.map(\.0), "\(line)")
            #expect(fast.views.map(\.vector) == expected.map(\.1), "\(line)")
            #expect(fast.encoder == "e5")
        }
    }

    @Test(arguments: [
        #"{"embedding":[1,2]}"#, #"{"embedding":{"user":"abc"}}"#, #"{"embedding":{"user":[1,"2"]}}"#,
        #"{"embedding":{"user":[1,2],"ocr":[1,2,3]}}"#, #"{"embedding":{"encoder":3,"user":[1]}}"#, #"{"embedding":{"user":[]}}"#,
    ])
    func refusesMistypedVectors(line: String) throws {
        #expect(throws: RecordError.self) { try EmbeddingVectors.of(try Record(line), field: "embedding") }
    }
}
