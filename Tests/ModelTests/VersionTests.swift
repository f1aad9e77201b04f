import Testing
import TestSupport
@testable import kdsl_model

/// `--version` names the model file format this build writes (and the only one it reads).
@Test func versionNamesTheModelFileFormat() throws {
    let run = try runTool("kdsl-model", ["--version"])
    #expect(run.status == 0)
    #expect(run.lines.dropFirst() == ["model file format \(ModelFile.version)"], "\(run.out)")
}
