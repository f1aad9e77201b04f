import Foundation

/// Real data a test needs but cannot find: the message names the file and where it comes from.
public struct MissingTestData: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `../shared/data/<relative>` beside the repository (see `sharedData`). Throws, naming the path,
/// when the file is not there: a test over real records fails rather than passes without them.
public func sharedDataFile(_ relative: String) throws -> URL {
    let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data").appendingPathComponent(relative)
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw MissingTestData("\(url.path) is missing: the tests over real records read the evaluation data in ../shared/data beside the repository")
    }
    return url
}

/// The contents of `../shared/data/<relative>`; throws as `sharedDataFile` does.
public func sharedDataContents(_ relative: String) throws -> Data {
    try Data(contentsOf: sharedDataFile(relative))
}

/// The WWW2025 challenge's training set (`../shared/data/www2025/train.json`) as kdsl records,
/// one JSON object per line, converted the way examples/www2025 converts it
/// (`jq -c -f examples/www2025/convert.jq train.json`): `id`, `task`, `dialogue` (intent records),
/// `images`, `label`; no `fold` and no `ocr`.
public func www2025Records() throws -> Data {
    let train = try sharedDataFile("www2025/train.json")
    let convert = repositoryRoot.appendingPathComponent("examples/www2025/convert.jq").path
    let run: ToolRun
    do {
        run = try runTool("/usr/bin/env", ["jq", "-c", "-f", convert, train.path])
    } catch {
        throw MissingTestData("cannot run jq (make deps installs it) to convert \(train.path): \(error)")
    }
    guard run.status == 0, !run.stdout.isEmpty else {
        throw MissingTestData("jq -c -f \(convert) \(train.path) exited \(run.status): \(run.err)")
    }
    return run.stdout
}

/// Splits JSON Lines into lines, without the empty ones.
public func jsonLines(_ data: Data) -> [[UInt8]] {
    data.split(separator: 0x0A).filter { !$0.isEmpty }.map { Array($0) }
}
