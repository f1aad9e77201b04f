import Foundation
import Testing
import TestSupport

/// `--version` on every stage, progress and notes on stderr (and `--quiet`), and the check of
/// the text views `kdsl-model train` and `cv` are to read.
@Suite struct VersionProgressCLITests {
    let scratch: ScratchDirectory
    var dir: URL { scratch.url }

    init() throws { scratch = try ScratchDirectory("version-progress") }

    func path(_ name: String) -> String { scratch.path(name) }

    static let stages = ["kdsl-ocr", "kdsl-embed", "kdsl-rules", "kdsl-model", "kdsl-merge", "kdsl-score"]

    /// Every progress line at once: what the CLI tests need to see progress from short runs.
    static let everyLine = ["KDSL_PROGRESS_INTERVAL": "0"]

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
        let train = try runTool("kdsl-model", ["train", "--quiet", "--out", path("m.model")] + Self.fixed, input: records())
        #expect(train.status == 0, "\(train.err)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("m.model"))))
        let written = bytes[8..<12].reversed().reduce(0) { $0 << 8 | Int($1) }
        let version = try runTool("kdsl-model", ["--version"])
        // A model without an embedding head is written in the format before it (the line names both).
        #expect(written == 3)
        #expect(version.lines.dropFirst() == ["model file format 4 (\(written) when no head has an embedding head)"], "\(version.out)")
    }

    @Test func ocrNamesItsEngines() throws {
        let run = try runTool("kdsl-ocr", ["--version"])
        #expect(run.status == 0)
        #expect(run.lines.count == 3, "\(run.out)")
        #expect(run.lines[1].hasPrefix("engine ppocr: PP-OCRv4 on OpenVINO "), "\(run.out)")
        #expect(run.lines[2].range(of: #"^engine tesseract: libtesseract [0-9]+\."#, options: .regularExpression) != nil, "\(run.out)")
    }

    // MARK: progress and --quiet

    @Test func trainShowsEpochsAndLossUnlessQuiet() throws {
        let loud = try runTool("kdsl-model", ["train", "--out", path("loud.model")] + Self.fixed, input: records(), environment: Self.everyLine)
        #expect(loud.status == 0, "\(loud.err)")
        for task in ["intent", "scene"] {
            for epoch in 1...3 {
                #expect(loud.err.contains(#"kdsl-model: task "\#(task)": training: \#(epoch)/4 epochs (\#(epoch * 25)%), "#), "\(loud.err)")
            }
            #expect(loud.err.contains(#"kdsl-model: task "\#(task)": training: 4/4 epochs in "#), "\(loud.err)")
        }
        let line = try #require(loud.err.split(separator: "\n").first { $0.contains("training: 2/4 epochs") })
        #expect(line.range(of: #" epochs/s, loss [0-9]+\.[0-9]{4}, [0-9]+s left$"#, options: .regularExpression) != nil, "\(line)")
        #expect(loud.err.contains("wrote \(path("loud.model"))"))

        let quiet = try runTool("kdsl-model", ["train", "--quiet", "--out", path("quiet.model")] + Self.fixed, input: records(), environment: Self.everyLine)
        #expect(quiet.status == 0)
        #expect(quiet.err.isEmpty, "\(quiet.err)")
        // Progress changes no byte of the output.
        #expect(loud.out.isEmpty && quiet.out.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("loud.model"))) == Data(contentsOf: URL(fileURLWithPath: path("quiet.model"))))
    }

    /// The inner choices and early stopping have progress lines of their own.
    @Test func trainShowsItsChoicesAndEarlyStopping() throws {
        let run = try runTool("kdsl-model", ["train", "--out", path("m.model"), "--no-images", "--epochs", "6", "--validation", "0.3"],
                              input: records(), environment: Self.everyLine)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains(#"kdsl-model: task "intent": choosing views and n-grams: 1/"#), "\(run.err)")
        #expect(run.err.contains(#"task "scene": early stopping: 1/6 epochs (16%), "#), "\(run.err)")
        #expect(run.err.contains(", holdout loss "), "\(run.err)")
        #expect(run.err.contains(#"task "scene": refit on all: 1/"#), "\(run.err)")
    }

    @Test func cvShowsFoldsAndTheirHeadsUnlessQuiet() throws {
        let input = records(32, fold: true)
        // A line per fold whatever the interval: folds take long enough to be worth one each.
        let plain = try runTool("kdsl-model", ["cv"] + Self.fixed, input: input)
        #expect(plain.status == 0, "\(plain.err)")
        #expect(plain.err.contains("kdsl-model: 1/2 folds (50%), fold 0 trained on 32 records, "), "\(plain.err)")
        #expect(plain.err.contains("kdsl-model: 2/2 folds (100%), fold 1 trained on 32 records\n"), "\(plain.err)")
        let loud = try runTool("kdsl-model", ["cv"] + Self.fixed, input: input, environment: Self.everyLine)
        #expect(loud.err.contains(#"kdsl-model: fold 1: task "scene": training: 2/4 epochs (50%), "#), "\(loud.err)")
        let quiet = try runTool("kdsl-model", ["cv", "--quiet"] + Self.fixed, input: input, environment: Self.everyLine)
        #expect(quiet.status == 0)
        #expect(quiet.err.isEmpty, "\(quiet.err)")
        #expect(!plain.out.isEmpty && plain.out == loud.out && loud.out == quiet.out)
    }

    @Test func mineShowsSearchesAndRulesUnlessQuiet() throws {
        let args = ["mine", "--iterations", "50", "--folds", "3", "--min-reward", "0.5"]
        let loud = try runTool("kdsl-rules", args, input: records(), environment: Self.everyLine)
        #expect(loud.status == 0, "\(loud.err)")
        // 5 labels × 3 inner folds.
        #expect(loud.err.contains("kdsl-rules: 1/15 searches (6%), "), "\(loud.err)")
        #expect(loud.err.contains(" searches/s, 0 rules, mining intent/refund, "), "\(loud.err)")
        #expect(loud.err.range(of: #"kdsl-rules: 15/15 searches in [0-9]+s, [0-9.]+ searches/s, [0-9]+ rules\n"#, options: .regularExpression) != nil, "\(loud.err)")
        let quiet = try runTool("kdsl-rules", args + ["--quiet"], input: records(), environment: Self.everyLine)
        #expect(quiet.status == 0)
        #expect(quiet.err.isEmpty, "\(quiet.err)")
        #expect(!loud.out.isEmpty && loud.out == quiet.out)
    }

    /// `--quiet` silences notes and progress, never a warning or an error about the input.
    @Test func quietKeepsWarningsAndErrors() throws {
        let train = try runTool("kdsl-model", ["train", "--quiet", "--out", path("m.model")] + Self.fixed,
                                input: records() + #"{"task":"intent","text":"no label"}"# + "\n" + "not json\n", environment: Self.everyLine)
        #expect(train.status == 1)
        #expect(train.err == """
            kdsl-model: line 62: invalid JSON at column 3: invalid token near 'not'
            kdsl-model: warning: left out 1 record(s) without a label (first: line 61)

            """, "\(train.err)")
        try Data(#"{"label":"a","when":[{"field":"user","contains":"x"}]}"#.utf8).write(to: URL(fileURLWithPath: path("rules.jsonl")))
        try Data().write(to: URL(fileURLWithPath: path("empty.jsonl")))
        let loud = try runTool("kdsl-rules", ["check", path("rules.jsonl")])
        #expect(loud.status == 0 && loud.err.contains("1 rules, ok"))
        let ok = try runTool("kdsl-rules", ["check", "--quiet", path("rules.jsonl")])
        #expect(ok.status == 0 && ok.err.isEmpty, "\(ok.err)")
        let empty = try runTool("kdsl-rules", ["check", "--quiet", path("empty.jsonl")])
        #expect(empty.err.contains("warning: \(path("empty.jsonl")): no rules"), "\(empty.err)")
    }

    /// Every command that reads records takes `--quiet`, so a pipeline can pass it to each stage.
    @Test func everyRecordReadingCommandTakesQuiet() throws {
        try Data(#"{"label":"a","when":[{"field":"user","contains":"x"}]}"#.utf8).write(to: URL(fileURLWithPath: path("rules.jsonl")))
        #expect(try runTool("kdsl-model", ["train", "--quiet", "--out", path("m.model")] + Self.fixed, input: records()).status == 0)
        let commands: [(String, [String])] = [
            ("kdsl-ocr", ["--engine", "tesseract"]), ("kdsl-merge", []), ("kdsl-score", ["--pred-field", "model.label"]),
            ("kdsl-rules", ["apply", "--rules", path("rules.jsonl")]), ("kdsl-rules", ["validate", "--rules", path("rules.jsonl")]),
            ("kdsl-rules", ["mine", "--iterations", "10"]), ("kdsl-rules", ["check", path("rules.jsonl")]),
            ("kdsl-model", ["predict", "--model", path("m.model")]),
        ]
        for (stage, args) in commands {
            let run = try runTool(stage, args + ["--quiet"], input: #"{"task":"intent","text":"x","label":"a","model":{"label":"a","p":0.9}}"# + "\n")
            #expect(run.status == 0, "\(stage) \(args): \(run.err)")
            #expect(run.err.isEmpty, "\(stage) \(args): \(run.err)")
        }
    }

    // MARK: the text views train and cv read

    /// `--views` naming a view no training record has text in: a setup error that names the view,
    /// the field and what to run; no model is written.
    @Test func anExplicitEmptyViewIsASetupError() throws {
        let input = records().replacingOccurrences(of: #""ocr":{"text":"#, with: #""screen":{"text":"#)
        let run = try runTool("kdsl-model", ["train", "--quiet", "--out", path("m.model")] + Self.fixed, input: input)
        #expect(run.status == 2)
        #expect(run.err == "kdsl-model: --views names ocr (from ocr.text), but none of the 60 training records has text there: run kdsl-ocr on the records first (kdsl-ocr --image-root DIR < train.jsonl > train.ocr.jsonl) or name their OCR text with --ocr-field, or leave it out of --views\n", "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: path("m.model")))
        // Naming the field it is in instead trains.
        let moved = try runTool("kdsl-model", ["train", "--quiet", "--out", path("m.model"), "--ocr-field", "screen.text"] + Self.fixed, input: input)
        #expect(moved.status == 0, "\(moved.err)")
        // cv checks the same, before its first fold.
        let cv = try runTool("kdsl-model", ["cv", "--quiet"] + Self.fixed, input: records(fold: true).replacingOccurrences(of: #""ocr":"#, with: #""x":"#))
        #expect(cv.status == 2 && cv.out.isEmpty)
        #expect(cv.err.contains("--views names ocr (from ocr.text), but none of the 60 training records"), "\(cv.err)")
        // The layout views come from the OCR lines, which only PP-OCR writes.
        let title = try runTool("kdsl-model", ["train", "--quiet", "--out", path("t.model"), "--views", "user,ocr,title", "--no-images"], input: records())
        #expect(title.status == 2)
        #expect(title.err.contains("--views names title (from the lines of ocr.images), but none of the 60 training records has text there: run kdsl-ocr with its ppocr engine"), "\(title.err)")
    }

    /// Under `--views auto`, records with images but no OCR text get a warning (kdsl-ocr was not
    /// run); the model is still trained. Records without images have no text of images to miss.
    @Test func autoViewsWarnOfImagesWithoutOCRText() throws {
        let withImages = records().replacingOccurrences(of: #""ocr":{"text":"#, with: #""images":["shot.png"],"caption":{"text":"#)
        let run = try runTool("kdsl-model", ["train", "--quiet", "--out", path("m.model"), "--no-images", "--epochs", "4"], input: withImages)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err == "kdsl-model: warning: none of the 60 training records has text in the views ocr, lines (from ocr.text), though 30 of them have images, so the model reads nothing there: run kdsl-ocr on the records first (kdsl-ocr --image-root DIR < train.jsonl > train.ocr.jsonl) or name their OCR text with --ocr-field, or pass --views without them\n", "\(run.err)")
        #expect(FileManager.default.fileExists(atPath: path("m.model")))
        let textOnly = records().replacingOccurrences(of: #""ocr":{"text":"#, with: #""caption":{"text":"#)
        let plain = try runTool("kdsl-model", ["train", "--quiet", "--out", path("p.model"), "--no-images", "--epochs", "4"], input: textOnly)
        #expect(plain.status == 0 && plain.err.isEmpty, "\(plain.err)")
    }
}
