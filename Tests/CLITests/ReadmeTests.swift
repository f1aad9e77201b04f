import Foundation
import Testing
import TestSupport

/// The README's pipe example runs as written (jq tests its manual's examples the same way): on the
/// bundled sample, split into train.jsonl and test.jsonl, with data/ holding its images.
@Suite struct ReadmeTests {
    /// The shell lines of the first ```sh block after `## A pipe`.
    static func pipeExample() throws -> String {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let section = readme.range(of: "## A pipe"),
              let open = readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex),
              let close = readme.range(of: "```", range: open.upperBound..<readme.endIndex)
        else { throw CancellationError() }
        return String(readme[open.upperBound..<close.lowerBound])
    }

    @Test func pipeExampleScoresTheSample() throws {
        let example = try Self.pipeExample()
        #expect(example.contains("kdsl-score"))
        let dir = testScratchRoot.appendingPathComponent("kdsl-readme-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = repositoryRoot.appendingPathComponent("examples/sample").path
        let script = """
        set -euo pipefail
        cd '\(dir.path)'
        ln -s '\(sample)' data
        jq -c 'select(.split == "train")' data/records.jsonl > train.jsonl
        jq -c 'select(.split == "test")' data/records.jsonl > test.jsonl
        \(example)
        """
        let run = try runShell(script)
        #expect(run.status == 0, "stderr: \(run.err)")
        #expect(run.out.contains("challenge score (weighted F1, all records)"))
        #expect(run.out.contains("task = scene"))
        #expect(run.out.contains("records scored                                   96"))
    }
}
