import Foundation
import Testing
import TestSupport

/// Field-path flags share one scheme (`--<what>-field`, declared once in StageCLI); the old names
/// keep working with a warning that names the new one, and giving both is a usage error. The
/// other stages' renamed flags are CLI cases (Tests/cases/*-renamed-*), each recording the old
/// name's output and warning, the new name's output and the usage error for both.
@Suite struct RenamedFlagsCLITests {
    /// Kept in Swift, as a property: kdsl-ocr validates its flags before and after re-executing
    /// itself (see its ThreadLimit), so it says the warning twice and the exact stderr is not one
    /// to record.
    @Test func ocrImagesIsTheImagesField() throws {
        let record = #"{"pics":[]}"# + "\n"
        let old = try runTool("kdsl-ocr", ["--engine", "tesseract", "--quiet", "--images", "pics"], input: record)
        let new = try runTool("kdsl-ocr", ["--engine", "tesseract", "--quiet", "--images-field", "pics"], input: record)
        #expect(old.status == 0 && new.status == 0, "\(old.err)\(new.err)")
        #expect(old.out == new.out)
        #expect(old.err.contains("warning: --images is deprecated; use --images-field"))
    }
}
