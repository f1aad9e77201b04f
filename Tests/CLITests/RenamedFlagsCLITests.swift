import Foundation
import Testing
import TestSupport

/// Field-path flags share one scheme (`--<what>-field`, declared once in StageCLI); the old names
/// keep working with a warning that names the new one, and giving both is a usage error.
@Suite struct RenamedFlagsCLITests {
    static let scored = #"{"task":"a","label":"x","prediction":{"label":"x"},"g":"x","model":{"label":"x"},"m":{"label":"x"}}"# + "\n"

    @Test(arguments: [
        ("kdsl-score", ["--by", "task"], ["--group-field", "task"], "--by is deprecated; use --group-field"),
        ("kdsl-score", ["--gold", "g"], ["--label-field", "g"], "--gold is deprecated; use --label-field"),
        ("kdsl-score", ["--pred", "prediction.label"], ["--pred-field", "prediction.label"], "--pred is deprecated; use --pred-field"),
        ("kdsl-merge", ["--output", "p"], ["--output-field", "p"], "--output is deprecated; use --output-field"),
        ("kdsl-merge", ["--model", "m"], ["--model-field", "m"], "--model is deprecated; use --model-field"),
    ])
    func oldNameWorksWithAWarning(tool: String, old: [String], new: [String], warning: String) throws {
        let before = try runTool(tool, old, input: Self.scored)
        let after = try runTool(tool, new, input: Self.scored)
        #expect(before.status == 0 && after.status == 0, "\(before.err)\(after.err)")
        #expect(before.out == after.out)
        #expect(before.err.contains("warning: \(warning)"), "\(before.err)")
        #expect(!after.err.contains("deprecated"))
        let both = try runTool(tool, old + new, input: Self.scored)
        #expect(both.status == 2 && both.err.contains("give only \(new[0])"), "\(both.err)")
    }

    @Test func applyKeyIsTheOutputField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-renamed-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rules = dir.appendingPathComponent("r.jsonl").path
        try Data(#"{"id":"r1","label":"refund","when":[{"field":"user","contains":"refund"}]}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: rules))
        let old = try runTool("kdsl-rules", ["apply", "--rules", rules, "--key", "v"], input: #"{"text":"refund"}"# + "\n")
        let new = try runTool("kdsl-rules", ["apply", "--rules", rules, "--output-field", "v"], input: #"{"text":"refund"}"# + "\n")
        #expect(old.status == 0 && new.status == 0, "\(old.err)\(new.err)")
        #expect(old.out == new.out && new.out.contains(#""v":{"label":"refund""#), "\(new.out)\(new.err)")
        #expect(old.err.contains("warning: --key is deprecated; use --output-field"))
    }

    @Test func ocrImagesIsTheImagesField() throws {
        let record = #"{"pics":[]}"# + "\n"
        let old = try runTool("kdsl-ocr", ["--engine", "tesseract", "--quiet", "--images", "pics"], input: record)
        let new = try runTool("kdsl-ocr", ["--engine", "tesseract", "--quiet", "--images-field", "pics"], input: record)
        #expect(old.status == 0 && new.status == 0, "\(old.err)\(new.err)")
        #expect(old.out == new.out)
        #expect(old.err.contains("warning: --images is deprecated; use --images-field"))
    }
}
