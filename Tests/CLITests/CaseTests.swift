import Foundation
import Testing
import TestSupport

/// The CLI cases of Tests/cases (see its README): each folder's `cmd` run on its `stdin` must write
/// exactly its `stdout` (and `stderr`, when the case has one) and exit with its `status`.
@Suite struct CaseTests {
    static let root = repositoryRoot.appendingPathComponent("Tests/cases")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0 + "/cmd").path) }
            .sorted()
    }

    @Test func thereAreCases() { #expect(Self.names.count >= 10) }

    @Test(arguments: names)
    func caseRunsAsRecorded(name: String) throws {
        let source = Self.root.appendingPathComponent(name)
        let work = testScratchRoot.appendingPathComponent("kdsl-case-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.copyItem(at: source, to: work)
        defer { try? FileManager.default.removeItem(at: work) }
        func text(_ file: String) -> String? {
            (try? Data(contentsOf: source.appendingPathComponent(file))).map { String(decoding: $0, as: UTF8.self) }
        }
        let cmd = try #require(text("cmd")).trimmingCharacters(in: .newlines)
        let stdin = FileManager.default.fileExists(atPath: source.appendingPathComponent("stdin").path) ? "stdin" : "/dev/null"
        // A subshell, so that a cmd of several commands (or one that calls exit) is redirected whole.
        let run = try runShell("cd '\(work.path)' && (\n\(cmd)\n) < \(stdin) > .stdout 2> .stderr; echo $?")
        let status = Int(run.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let out = String(decoding: (try? Data(contentsOf: work.appendingPathComponent(".stdout"))) ?? Data(), as: UTF8.self)
        let err = String(decoding: (try? Data(contentsOf: work.appendingPathComponent(".stderr"))) ?? Data(), as: UTF8.self)
        #expect(status == Int(text("status")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0"), "\(name): \(err)")
        #expect(out == (text("stdout") ?? ""), "\(name): stdout")
        if let expected = text("stderr") { #expect(err == expected, "\(name): stderr") }
    }
}
