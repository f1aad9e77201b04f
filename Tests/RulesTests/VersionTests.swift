import Testing
import TestSupport
@testable import kdsl_rules

/// `--version` names the rule file format this build reads and writes.
@Test func versionNamesTheRuleFileFormat() throws {
    let run = try runTool("kdsl-rules", ["--version"])
    #expect(run.status == 0)
    #expect(run.lines.dropFirst() == ["rule file format \(RuleSet.formatVersion)"], "\(run.out)")
}
