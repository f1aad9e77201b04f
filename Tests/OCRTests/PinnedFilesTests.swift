import Foundation
import Testing
@testable import kdsl_ocr
import TestSupport

/// The engine's files are checked before use: models against the pinned digests, OpenVINO's
/// libraries for being whole.
@Suite struct PinnedFilesTests {
    func sha(_ s: String) -> String {
        var h = SHA256()
        Array(s.utf8).withUnsafeBufferPointer { h.update($0) }
        return SHA256.hex(h.finish())
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func temporary(_ name: String) throws -> URL {
        let dir = testScratchRoot.appendingPathComponent("kdsl-pinned-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    @Test func aLibraryCutShortIsNamedBeforeItIsLoaded() throws {
        let libc = ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6"]
            .first { FileManager.default.fileExists(atPath: $0) }
        let source = try #require(libc)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let whole = try temporary("whole.so"), cut = try temporary("cut.so"), text = try temporary("text.so")
        try bytes.write(to: whole)
        try bytes.prefix(bytes.count / 2).write(to: cut)
        try Data("not a library".utf8).write(to: text)
        #expect(PinnedFiles.elfProblem(whole.path) == nil)
        #expect(PinnedFiles.elfProblem(cut.path)?.hasPrefix("cut short") == true)
        #expect(PinnedFiles.elfProblem(text.path)?.hasPrefix("not an ELF") == true)
        // The runtime's folder is checked whole: a plugin cut short stops the run before dlopen.
        let lib = try temporary("libopenvino_c.so.1"), plugin = try temporary("libopenvino_intel_cpu_plugin.so")
        try bytes.write(to: lib)
        try bytes.prefix(bytes.count - 4096).write(to: plugin)
        #expect(throws: EngineSetupError.self) { try PinnedFiles.checkRuntime(libraryPath: lib.path) }
        try FileManager.default.removeItem(at: plugin)
        try PinnedFiles.checkRuntime(libraryPath: lib.path)
    }

    @Test func aDamagedModelIsAnErrorInTheInstallAndANoteWhenChosen() throws {
        let pinned = PPOCRModels.directory(nil) + "/" + PPOCRModels.defaultClassifier
        guard FileManager.default.fileExists(atPath: pinned) else { return }  // no `make deps`
        var bytes = try Data(contentsOf: URL(fileURLWithPath: pinned))
        try PinnedFiles.checkModel(pinned, name: PPOCRModels.defaultClassifier, what: "text-direction", chosen: false)
        // A zeroed 4 KB block inside the weights: OpenVINO would read it without a word.
        bytes.replaceSubrange(bytes.count / 2..<(bytes.count / 2 + 4096), with: Data(count: 4096))
        let damaged = try temporary(PPOCRModels.defaultClassifier)
        try bytes.write(to: damaged)
        #expect(throws: EngineSetupError.self) {
            try PinnedFiles.checkModel(damaged.path, name: PPOCRModels.defaultClassifier, what: "text-direction", chosen: false)
        }
        try PinnedFiles.checkModel(damaged.path, name: PPOCRModels.defaultClassifier, what: "text-direction", chosen: true)
    }
}
