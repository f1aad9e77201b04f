import Foundation
import Testing
import TestSupport

/// `kdsl-model predict --explain`: the features a label rests on.
@Suite struct ExplainCLITests {
    let scratch: ScratchDirectory
    var dir: URL { scratch.url }

    init() throws { scratch = try ScratchDirectory("explain-cli") }

    func path(_ name: String) -> String { scratch.path(name) }

    /// Labels told apart by one word each; every record also carries words shared by all labels.
    var training: String {
        let words = [("refund", "refund"), ("track", "parcel"), ("size", "fits")]
        return (0..<90).map { i in
            let (label, word) = words[i % 3]
            return #"{"task":"intent","text":"please \#(word) help \#(i % 5) today","label":"\#(label)"}"#
        }.joined(separator: "\n") + "\n"
    }

    func objects(_ run: ToolRun) -> [[String: Any]] {
        run.lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func explainsByTheWordsThatTellTheLabelsApart() throws {
        for hidden in ["0", "8"] {
            let t = try runTool("kdsl-model", ["train", "--seed", "1", "--hidden", hidden, "--out", path("m\(hidden).kdsl")], input: training)
            #expect(t.status == 0, "\(t.err)")
            let input = #"{"id":"a","task":"intent","text":"please refund help today"}"# + "\n" + #"{"id":"b","task":"weather","text":"rain"}"# + "\n"
            let plain = try runTool("kdsl-model", ["predict", "--model", path("m\(hidden).kdsl")], input: input)
            let explained = try runTool("kdsl-model", ["predict", "--model", path("m\(hidden).kdsl"), "--explain", "--explain-top", "3"], input: input)
            #expect(plain.status == 0 && explained.status == 0, "\(explained.err)")
            let (p, e) = (objects(plain), objects(explained))
            var model = try #require(e[0]["model"] as? [String: Any])
            let features = try #require(model["explain"] as? [[String: Any]])
            #expect(features.count == 3)
            // What only one label has comes first: the word, an n-gram with it, or one of its
            // character n-grams.
            let first = features[0]
            #expect(first["view"] as? String == "user")
            #expect((first["text"] as? String).map { $0.contains("refund") || "<refund>".contains($0) } == true, "\(features)")
            let effects = features.compactMap { $0["effect"] as? Double }
            #expect(effects == effects.sorted(by: >) && effects[0] > 0)
            // Explaining changes nothing else of the value; a record without a head is not explained.
            model["explain"] = nil
            #expect(NSDictionary(dictionary: model).isEqual(to: p[0]["model"] as! [String: Any]))
            #expect((e[1]["model"] as? [String: Any])?["explain"] == nil)
        }
    }

    @Test func explainTopMustBePositive() throws {
        let run = try runTool("kdsl-model", ["predict", "--model", path("none.kdsl"), "--explain", "--explain-top", "0"], input: "")
        #expect(run.status == 2)
        #expect(run.err.contains("--explain-top must be at least 1"))
    }
}
