import Testing
import TestSupport
@testable import kdsl_model

/// `--version` names the model file formats this build writes: 4, and 3 for a model without an embedding head.
@Test func versionNamesTheModelFileFormat() throws {
    let run = try runTool("kdsl-model", ["--version"])
    #expect(run.status == 0)
    #expect(run.lines.dropFirst() == ["model file format \(ModelFile.version) (\(ModelFile.versionWithoutEmbeddings) when no head has an embedding head)"], "\(run.out)")
}
