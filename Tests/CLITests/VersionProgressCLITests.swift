import Foundation
import Testing
import TestSupport

/// `--version` on every stage.
@Suite struct VersionProgressCLITests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdsl-version-progress-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static let stages = ["kdsl-ocr", "kdsl-rules", "kdsl-model", "kdsl-merge", "kdsl-score"]

    /// Two tasks told apart by their words: intent by the user's text, scene by the OCR text.
    func records(_ n: Int = 30, fold: Bool = false) -> String {
        (0..<n).map { i -> String in
            let f = fold ? #","fold":\#(i / 2 % 2)"# : ""
            let intent = [("refund", "money back refund"), ("track", "where parcel tracking"), ("size", "which size fits")][i % 3]
            let scene = i % 2 == 0 ? ("cart", "购物车 结算") : ("pay", "支付 密码")
            return #"{"task":"intent","text":"\#(intent.1) \#(i % 5)","label":"\#(intent.0)"\#(f)}"# + "\n"
                + #"{"task":"scene","ocr":{"text":"\#(scene.1) \#(i)"},"label":"\#(scene.0)"\#(f)}"# + "\n"
        }.joined()
    }

    /// Fixed views and n-grams: no inner choice, so the epochs are all the progress there is.
    static let fixed = ["--views", "user,ocr", "--word-ngrams", "1", "--char-ngrams", "0", "--no-images", "--epochs", "4"]

    // MARK: --version

    @Test func everyStageAndSubcommandPrintsOneVersion() throws {
        var firstLines: Set<String> = []
        for stage in Self.stages {
            let run = try runTool(stage, ["--version"])
            #expect(run.status == 0, "\(stage): \(run.err)")
            #expect(run.err.isEmpty, "\(stage): \(run.err)")
            let first = try #require(run.lines.first)
            #expect(first.range(of: #"^\#(stage) [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}|unknown)\)$"#, options: .regularExpression) != nil, "\(first)")
            firstLines.insert(String(first.dropFirst(stage.count)))
        }
        // One product version and commit for all of them.
        #expect(firstLines.count == 1, "\(firstLines)")
        // A subcommand answers through its root, with the same text.
        for (stage, sub) in [("kdsl-model", "train"), ("kdsl-model", "cv"), ("kdsl-rules", "mine"), ("kdsl-rules", "apply")] {
            let root = try runTool(stage, ["--version"]), viaSub = try runTool(stage, [sub, "--version"])
            #expect(viaSub.status == 0 && viaSub.out == root.out, "\(stage) \(sub): \(viaSub.out)\(viaSub.err)")
        }
        // --help lists the flag.
        #expect(try runTool("kdsl-merge", ["--help"]).out.contains("--version"))
    }

    /// The commit is one this checkout has (it may be older than HEAD when commits were made
    /// after the build), unless the build saw no git checkout.
    @Test func theCommitIsOneOfTheRepository() throws {
        let first = try #require(try runTool("kdsl-score", ["--version"]).lines.first)
        let commit = String(first.split(separator: " ").last!.dropLast())
        let git = try runShell("command -v git >/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1 && echo yes")
        guard git.out.hasPrefix("yes"), commit != "unknown" else { return }
        #expect(try runShell("git cat-file -e '\(commit)^{commit}'").status == 0, "\(commit)")
    }

    /// The model file format --version names is the one `train` writes (the header's version field).
    @Test func modelFormatIsTheOneTrainWrites() throws {
        let train = try runTool("kdsl-model", ["train", "--out", path("m.model")] + Self.fixed, input: records())
        #expect(train.status == 0, "\(train.err)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("m.model"))))
        let written = bytes[8..<12].reversed().reduce(0) { $0 << 8 | Int($1) }
        let version = try runTool("kdsl-model", ["--version"])
        #expect(version.lines.dropFirst() == ["model file format \(written)"], "\(version.out)")
    }

    @Test func ocrNamesItsEngines() throws {
        let run = try runTool("kdsl-ocr", ["--version"])
        #expect(run.status == 0)
        #expect(run.lines.count == 3, "\(run.out)")
        #expect(run.lines[1].hasPrefix("engine ppocr: PP-OCRv4 on OpenVINO "), "\(run.out)")
        #expect(run.lines[2].range(of: #"^engine tesseract: libtesseract [0-9]+\."#, options: .regularExpression) != nil, "\(run.out)")
    }
}
