import Foundation
import Testing
import InstallLayout
import TestSupport

/// Where the data folder is found: beside an installed executable, else the build's deps folder;
/// an environment variable overrides one file.
@Suite struct DataDirectoryTests {
    func temporaryFolder() throws -> URL {
        let url = testScratchRoot.appendingPathComponent("kdsl-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func installedDirectoryIsShareKdslBesideBin() {
        #expect(DataDirectory.installedDirectory(executable: "/usr/local/bin/kdsl-ocr") == "/usr/local/share/kdsl")
        #expect(DataDirectory.installedDirectory(executable: "/opt/kdsl/bin/kdsl-embed") == "/opt/kdsl/share/kdsl")
        #expect(DataDirectory.installedDirectory(executable: "/kdsl-ocr") == nil)
        #expect(DataDirectory.installedDirectory(executable: "kdsl-ocr") == nil)
    }

    @Test func anInstalledTreeWinsOverTheBuildFolder() throws {
        let prefix = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let exe = prefix.appendingPathComponent("bin/kdsl-ocr").path
        let before = DataDirectory.resolve(executable: exe)
        #expect(before.origin == .build)
        #expect(before.path == DataDirectory.buildDirectory)
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("share/kdsl"), withIntermediateDirectories: true)
        let after = DataDirectory.resolve(executable: exe)
        #expect(after.origin == .installed)
        #expect(after.path == prefix.path + "/share/kdsl")
        #expect(DataDirectory.resolve(executable: nil).origin == .build)
    }

    @Test func aFileAtShareKdslIsNotAnInstall() throws {
        let prefix = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: prefix) }
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("share"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: prefix.path + "/share/kdsl", contents: Data())
        #expect(DataDirectory.resolve(executable: prefix.path + "/bin/kdsl-ocr").origin == .build)
    }

    @Test func theTestRunnerReadsTheBuildFolder() {
        // The test binary lives in .build/, which has no share/kdsl/.
        #expect(DataDirectory.executablePath()?.hasPrefix("/") == true)
        #expect(DataDirectory.resolved.origin == .build)
        #expect(DataDirectory.path == DataDirectory.buildDirectory)
        #expect(!DataDirectory.path.hasSuffix("/"))
    }

    @Test func theEnvironmentOverridesOneFile() {
        let name = "KDSL_TEST_OVERRIDE_\(UUID().uuidString.prefix(8))"
        #expect(DataDirectory.locate("e5/e5-small-q4.bin", override: name) == DataDirectory.path + "/e5/e5-small-q4.bin")
        setenv(name, "", 1)
        #expect(DataDirectory.locate("e5/e5-small-q4.bin", override: name) == DataDirectory.path + "/e5/e5-small-q4.bin")
        setenv(name, "/elsewhere/model.bin", 1)
        #expect(DataDirectory.locate("e5/e5-small-q4.bin", override: name) == "/elsewhere/model.bin")
        unsetenv(name)
    }
}
