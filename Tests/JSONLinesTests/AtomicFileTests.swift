import Foundation
import Testing
@testable import JSONLines
import TestSupport

/// `AtomicFile.write`: links followed, a loop of links refused, stale temporary files removed.
@Suite struct AtomicFileTests {
    func directory() throws -> String {
        let dir = testScratchRoot.appendingPathComponent("kdsl-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aLinkIsFollowedAndALoopIsASetupError() throws {
        let d = try directory()
        try FileManager.default.createSymbolicLink(atPath: "\(d)/link", withDestinationPath: "real")
        try AtomicFile.write(Array("one\n".utf8), to: "\(d)/link")
        #expect(try String(contentsOfFile: "\(d)/real", encoding: .utf8) == "one\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(d)/link") == "real")
        try FileManager.default.createSymbolicLink(atPath: "\(d)/a", withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: "\(d)/b", withDestinationPath: "a")
        #expect(throws: SetupError.self) { try AtomicFile.write(Array("x".utf8), to: "\(d)/a") }
        // The links are still links: nothing replaced them.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(d)/a") == "b")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(d)/b") == "a")
    }

    /// A temporary file of a process that is gone is removed by the next write to the target; one
    /// of a live process (pid 1 here) and other files stay.
    @Test func staleTemporariesOfDeadProcessesAreRemoved() throws {
        let d = try directory()
        // A pid that no process has: past the kernel's pid_max.
        let dead = "\(d)/out.jsonl.tmp.4194400"
        for name in [dead, "\(d)/out.jsonl.tmp.1", "\(d)/out.jsonl.tmp.x1", "\(d)/other.tmp.4194400"] {
            FileManager.default.createFile(atPath: name, contents: Data("junk".utf8))
        }
        try AtomicFile.write(Array("ok\n".utf8), to: "\(d)/out.jsonl")
        let left = try FileManager.default.contentsOfDirectory(atPath: d).sorted()
        #expect(left == ["other.tmp.4194400", "out.jsonl", "out.jsonl.tmp.1", "out.jsonl.tmp.x1"])
    }
}
