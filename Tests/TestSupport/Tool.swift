import Foundation

/// The result of running one kdsl executable.
public struct ToolRun: Sendable {
    public let status: Int32
    public let stdout: Data
    public let stderr: Data
    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }
    /// stdout split into lines (without the final empty one).
    public var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
}

/// The repository root (three levels above this file).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The shared data folder beside the repository (`../shared/data`), or nil when absent.
public var sharedData: URL? {
    let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

/// Path of a built executable: `$KDSL_BIN/<name>` if set, else `.build/debug/<name>`.
public func toolPath(_ name: String) -> String {
    if let dir = ProcessInfo.processInfo.environment["KDSL_BIN"] { return dir + "/" + name }
    return repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
}

/// Runs `name args...` with `stdin` fed and stdout/stderr drained concurrently (so large outputs
/// cannot deadlock), in `directory` if given, with extra environment variables.
public func runTool(_ name: String, _ args: [String] = [], stdin: Data = Data(), directory: URL? = nil,
                    environment: [String: String] = [:]) throws -> ToolRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: name.hasPrefix("/") ? name : toolPath(name))
    process.arguments = args
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
    process.standardInput = inPipe
    process.standardOutput = outPipe
    process.standardError = errPipe
    try process.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var out = Data()
    nonisolated(unsafe) var err = Data()
    DispatchQueue.global().async(group: group) { out = outPipe.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { err = errPipe.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) {
        // A tool may exit before reading all input (e.g. --strict): ignore the broken pipe.
        signal(SIGPIPE, SIG_IGN)
        try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
        try? inPipe.fileHandleForWriting.close()
    }
    group.wait()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus, stdout: out, stderr: err)
}

/// Convenience: runs with a string as stdin.
public func runTool(_ name: String, _ args: [String] = [], input: String, directory: URL? = nil,
                    environment: [String: String] = [:]) throws -> ToolRun {
    try runTool(name, args, stdin: Data(input.utf8), directory: directory, environment: environment)
}

/// Runs a shell pipeline with bash (for `| head -1` style tests), in the repository root.
public func runShell(_ script: String, environment: [String: String] = [:]) throws -> ToolRun {
    var env = environment
    env["PATH"] = (ProcessInfo.processInfo.environment["KDSL_BIN"] ?? repositoryRoot.appendingPathComponent(".build/debug").path)
        + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    return try runTool("/bin/bash", ["-c", script], directory: repositoryRoot, environment: env)
}

/// The folder every test's files go in, `kdsl-tests-PID` under the system's temporary folder,
/// removed with all in it when the test process exits, so that runs leave nothing behind.
public let testScratchRoot: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-tests-\(getpid())")
        try? FileManager.default.removeItem(at: url)
    }
    return url
}()

/// A fresh directory for one test's files, under `testScratchRoot`: `path(name)` is a file in
/// it. Tests that keep one per suite instance make it in `init`.
public struct ScratchDirectory: Sendable {
    public let url: URL

    /// `prefix` names the suite in the folder's name (`kdsl-PREFIX-PID-RANDOM`).
    public init(_ prefix: String) throws {
        url = testScratchRoot.appendingPathComponent("kdsl-\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
