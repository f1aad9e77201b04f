import Foundation
import Testing
import TestSupport

/// Tests of `kdsl-ocr` on the committed fixtures (real engines, real traineddata). What the engines
/// read depends on their version, so it is checked by property here; the outputs that involve no
/// engine (usage and setup errors, bad lines) are CLI cases, Tests/cases/ocr-*.
@Suite struct OCRCLITests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/OCRTests/Fixtures").path

    /// The Tesseract engine on the fixtures (its output is exact enough to compare by string).
    private func ocr(_ args: [String], _ input: String) throws -> ToolRun {
        try runTool("kdsl-ocr", ["--engine", "tesseract", "--image-root", Self.fixtures, "--quiet"] + args, input: input)
    }

    /// The default engine, PP-OCR on OpenVINO, on the fixtures.
    private func ppocr(_ args: [String], _ input: String) throws -> ToolRun {
        try runTool("kdsl-ocr", ["--image-root", Self.fixtures, "--quiet"] + args, input: input)
    }

    private func objects(_ run: ToolRun) throws -> [[String: Any]] {
        try run.lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    private func images(_ record: [String: Any]) -> [[String: Any]] {
        ((record["ocr"] as? [String: Any])?["images"] as? [[String: Any]]) ?? []
    }

    /// 12 records mixing pages, lines, no images and a missing file.
    private var mixed: String {
        let kinds = [#""images":["phototest.png"]"#, #""image":"zh-line.png""#, #""task":"intent""#,
                     #""images":["zh-line.png","phototest.png"]"#]
        return (0..<12).map { "{\"id\":\($0),\(kinds[$0 % kinds.count])}\n" }.joined()
    }

    @Test func keepsInputOrderWithSeveralJobsAndIsDeterministic() throws {
        let one = try ocr(["--lang", "chi_sim+eng", "--jobs", "1"], mixed)
        let three = try ocr(["--lang", "chi_sim+eng", "--jobs", "3"], mixed)
        let again = try ocr(["--lang", "chi_sim+eng", "--jobs", "3"], mixed)
        #expect(one.status == 0 && three.status == 0, "\(three.err)")
        #expect(three.stdout == one.stdout)
        #expect(again.stdout == three.stdout)
        let records = try objects(three)
        #expect(records.map { $0["id"] as? Int } == (0..<12).map { $0 })
        #expect(images(records[0]).first?["width"] as? Int == 640)
        #expect(((records[2]["ocr"] as? [String: Any])?["text"] as? String) == "")
        #expect(images(records[2]).isEmpty)
        #expect(images(records[3]).map { $0["path"] as? String } == ["zh-line.png", "phototest.png"])
        let text = try #require((records[0]["ocr"] as? [String: Any])?["text"] as? String)
        #expect(text.contains("quick brown dog"))
    }

    @Test func keepsEveryOtherFieldByteForByte() throws {
        let line = #"{"z": 1.50, "id":"a" , "images":["phototest.png"],"label":"x"}"#
        let run = try ocr([], line + "\n")
        #expect(run.status == 0)
        #expect(run.out.hasPrefix(#"{"z": 1.50, "id":"a" , "images":["phototest.png"],"label":"x","ocr":{"text":"This is a lot"#))
    }

    @Test func badImagesGetAnErrorInPlaceAndExit1() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-ocr-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let png = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/phototest.png"))
        try png.prefix(png.count / 2).write(to: dir.appendingPathComponent("cut.png"))
        var flipped = png
        flipped[flipped.count / 2] ^= 1
        try flipped.write(to: dir.appendingPathComponent("flipped.png"))
        let jpeg = try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: dir.appendingPathComponent("cut.jpg"))
        try Data("hello\n".utf8).write(to: dir.appendingPathComponent("text.jpg"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.png"), withIntermediateDirectories: true)
        let cases: [(String, String)] = [
            ("nope.png", "No such file or directory"),
            ("folder.png", "is a directory"),
            ("text.jpg", "not a recognised image format"),
            ("cut.png", "truncated PNG: chunk IDAT runs past the end of the file"),
            ("flipped.png", "corrupt PNG: CRC mismatch in chunk IDAT"),
            ("cut.jpg", "truncated JPEG: no end-of-image marker"),
            (Self.fixtures + "/bomb.png", "image too large: 100000x100000 = 10000000000 pixels, over --max-pixels 50000000"),
        ]
        let input = cases.enumerated().map { #"{"id":\#($0.offset),"images":["\#($0.element.0)"]}"# + "\n" }.joined()
            + #"{"id":"ok","images":["\#(Self.fixtures)/phototest.png","nope.png"]}"# + "\n"
        // --quiet: a run over 5 s (a loaded machine) would add progress lines to stderr.
        let run = try runTool("kdsl-ocr", ["--image-root", dir.path, "--quiet"], input: input)
        #expect(run.status == 1)
        let records = try objects(run)
        #expect(records.count == cases.count + 1)
        for (i, (_, message)) in cases.enumerated() {
            #expect(images(records[i]).first?["error"] as? String == message)
            #expect(run.err.contains("kdsl-ocr: line \(i + 1): image "))
        }
        // A good image beside a bad one is still read; the record carries both entries.
        let last = images(records[cases.count])
        #expect(last.count == 2 && last[0]["error"] == nil && last[1]["error"] as? String == "No such file or directory")
        #expect(records.allSatisfy { $0["error"] == nil })
        // Every line on stderr is ours: libpng and libjpeg never got the cut files to complain about.
        let lines = run.err.split(separator: "\n")
        #expect(lines.count == cases.count + 1)
        #expect(lines.allSatisfy { $0.hasPrefix("kdsl-ocr: line ") }, "\(run.err)")
    }

    @Test func timeoutIsAPerImageError() throws {
        let run = try ocr(["--timeout-ms", "1"], #"{"images":["phototest.png"]}"# + "\n" + #"{"id":2}"# + "\n")
        #expect(run.status == 1)
        let records = try objects(run)
        #expect(images(records[0]).first?["error"] as? String == "timed out after 1 ms")
        #expect(records.count == 2)
    }

    @Test func strictStopsAtTheFirstBadImage() throws {
        let input = #"{"id":1,"images":["phototest.png"]}"# + "\n" + #"{"id":2,"images":["nope.png"]}"# + "\n"
            + #"{"id":3,"images":["phototest.png"]}"# + "\n"
        let run = try ocr(["--strict", "--jobs", "2"], input)
        #expect(run.status == 1)
        #expect(try objects(run).map { $0["id"] as? Int } == [1, 2])
    }

    @Test func missingTraineddataExits2BeforeReadingInput() throws {
        let run = try ocr(["--lang", "eng+zz_fake"], "not json at all\n")
        #expect(run.status == 2)
        #expect(run.out.isEmpty)
        #expect(run.err.contains("'zz_fake'") && run.err.contains("tesseract-ocr-zz-fake"))
        #expect(!run.err.contains("line 1"))
    }

    @Test func helpDocumentsFieldsStatusesAndAnExample() throws {
        let run = try runTool("kdsl-ocr", ["--help"])
        #expect(run.status == 0)
        for needle in ["Add the text inside", "Reads:", "Writes:", "Exit status", "kdsl-ocr --image-root data/", "--psm", "--engine", "ppocr"] {
            #expect(run.out.contains(needle), "missing \(needle)")
        }
    }

    @Test func helpExamplePipeRuns() throws {
        // The --help example, with the fixtures as data/ and a two-record records.jsonl.
        let script = """
        d=$(mktemp -d); ln -s "$PWD/Tests/OCRTests/Fixtures" "$d/data"
        printf '{"images":["zh-line.png"]}\\n{"id":2}\\n' > "$d/records.jsonl"; cd "$d"
        kdsl-ocr --image-root data/ --jobs 2 < records.jsonl \\
          | jq -r '.ocr.text'; cd /; rm -r "$d"
        """
        let run = try runShell(script)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.lines.first?.replacingOccurrences(of: " ", with: "") == "订单已签收退款成功")
    }

    @Test func closedPipeEndsQuietly() throws {
        let line = #"{"images":["Tests/OCRTests/Fixtures/zh-line.png"]}"#
        let run = try runShell("for i in $(seq 40); do echo '\(line)'; done | kdsl-ocr --jobs 2 | head -1; echo \"status ${PIPESTATUS[1]}\"")
        #expect(run.out.hasSuffix("status 0\n"), "\(run.out) \(run.err)")
        #expect(run.lines.count == 2)
    }

    @Test func runsWithOpenMPLimitedEvenWhenTheCallerSetAnotherLimit() throws {
        // libgomp reads OMP_THREAD_LIMIT when it loads, so the program re-executes itself with it
        // set: the running process's environment shows 1 although the caller asked for 8.
        let script = """
        sleep 2 | OMP_THREAD_LIMIT=8 kdsl-ocr & pid=$!
        sleep 1; tr '\\0' '\\n' < /proc/$pid/environ | grep '^OMP_THREAD_LIMIT='; wait
        """
        let run = try runShell(script)
        #expect(run.out == "OMP_THREAD_LIMIT=1\n", "\(run.out) \(run.err)")
    }

    // MARK: PP-OCR (the default engine)

    private func lines(_ image: [String: Any]) -> [[String: Any]] { (image["lines"] as? [[String: Any]]) ?? [] }

    @Test func ppocrReadsAChineseLineWithItsBox() throws {
        let run = try ppocr([], #"{"images":["zh-line.png"]}"# + "\n")
        #expect(run.status == 0, "\(run.err)")
        let record = try #require(try objects(run).first)
        let ocr = try #require(record["ocr"] as? [String: Any])
        #expect(ocr["engine"] as? String == "ppocr")
        let image = try #require(images(record).first)
        let read = lines(image)
        #expect(read.count == 1)
        #expect((read.first?["text"] as? String)?.replacingOccurrences(of: " ", with: "") == "订单已签收退款成功")
        let box = try #require(read.first?["box"] as? [Int])
        let (w, h) = (try #require(image["width"] as? Int), try #require(image["height"] as? Int))
        #expect(box.count == 4)
        #expect(box[0] >= 0 && box[0] < box[2] && box[2] <= w)
        #expect(box[1] >= 0 && box[1] < box[3] && box[3] <= h)
        let confidence = try #require(read.first?["confidence"] as? Int)
        #expect(confidence > 80 && confidence <= 100)
        #expect(image["text"] as? String == read.first?["text"] as? String)
    }

    @Test func ppocrReadsAnEnglishPageInReadingOrder() throws {
        let run = try ppocr([], #"{"images":["phototest.png"]}"# + "\n")
        #expect(run.status == 0, "\(run.err)")
        let record = try #require(try objects(run).first)
        let image = try #require(images(record).first)
        let read = lines(image)
        #expect(read.count >= 6)
        let tops = read.compactMap { ($0["box"] as? [Int])?[1] }
        #expect(tops == tops.sorted(), "lines top to bottom: \(tops)")
        let text = try #require(image["text"] as? String)
        #expect(text == read.compactMap { $0["text"] as? String }.joined(separator: "\n"))
        #expect(text.hasPrefix("This is a lot of 12 point text"), "\(text)")
        #expect(text.contains("quick brown dog"))
    }

    @Test func ppocrIsTheSameBytesForAnyJobs() throws {
        let one = try ppocr(["--jobs", "1"], mixed)
        let three = try ppocr(["--jobs", "3"], mixed)
        #expect(one.status == 0 && three.status == 0, "\(three.err)")
        #expect(three.stdout == one.stdout)
        #expect(try objects(three).map { $0["id"] as? Int } == (0..<12).map { $0 })
    }

    @Test func ppocrTimeoutIsAPerImageError() throws {
        let run = try ppocr(["--timeout-ms", "1"], #"{"images":["phototest.png"]}"# + "\n" + #"{"id":2}"# + "\n")
        #expect(run.status == 1)
        let records = try objects(run)
        #expect(images(records[0]).first?["error"] as? String == "timed out after 1 ms")
        #expect(records.count == 2)
    }

    /// Model files in the wrong role, damaged, or with a dictionary that is not theirs stop the run
    /// before the first record (exit 2, nothing written), saying which file and what it gave.
    @Test func wrongOrDamagedModelsAreASetupErrorBeforeAnyInput() throws {
        let deps = ProcessInfo.processInfo.environment["KDSL_DEPS"] ?? repositoryRoot.appendingPathComponent(".deps").path
        let m = deps + "/ppocr"
        let det = m + "/ch_PP-OCRv4_det_infer.onnx", rec = m + "/ch_PP-OCRv4_rec_infer.onnx", cls = m + "/ch_ppocr_mobile_v2.0_cls_infer.onnx"
        let dir = testScratchRoot.appendingPathComponent("kdsl-ocr-models-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cut = dir.appendingPathComponent("cut.onnx").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: det)).prefix(100_000)).write(to: URL(fileURLWithPath: cut))
        let keys = dir.appendingPathComponent("keys.txt").path
        try "x\n".write(toFile: keys, atomically: false, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--det-model", rec], "does not look like a PP-OCR text detector: its output has shape [1, 8, 6625]"),
            (["--det-model", cls], "does not look like a PP-OCR text detector: its output has shape [1, 2]"),
            (["--cls-model", rec], "PP-OCR text-direction classifier"),
            (["--rec-keys", keys], "does not look like a PP-OCR text recogniser: its output has shape [1, 40, 6625]"),
            (["--det-model", cut], "OpenVINO cannot read the model \(cut)"),
            (["--rec-model", det], "carries no character dictionary in its metadata"),
        ]
        for (args, needle) in cases {
            let run = try ppocr(args, #"{"images":["zh-line.png"]}"# + "\n")
            #expect(run.status == 2, "\(args): \(run.err)")
            #expect(run.out.isEmpty)
            #expect(run.err.contains(needle), "\(args): \(run.err)")
            #expect(!run.err.contains("line 1"))
        }
    }

    /// The bad-image matrix through PP-OCR: every record comes out in order, the unusable images
    /// are bad records named with their reason (exit 1), the odd but valid ones are read (the thin
    /// ones too: their detector input is bounded, where it once took 5-16 GB).
    @Test func badImagesAreBadRecordsAndOddOnesAreRead() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-ocr-bad-\(getpid())").path
        let make = try runShell("python3 Tests/fuzz/bad_images.py '\(dir)'")
        #expect(make.status == 0, "\(make.err)")
        let names = ["empty.png", "one.png", "tall.png", "wide.png", "gray16.png", "pal.png", "cut.png", "text.png", "gif.gif", "nosuch.png"]
        let thin = ["thin-tall.png", "thin-wide.png", "thin-long.png"]
        let input = names.map { #"{"images":["\#($0)"]}"# }.joined(separator: "\n") + "\n" + #"{"images":["/tmp"]}"# + "\n"
            + thin.map { #"{"images":["\#($0)"]}"# + "\n" }.joined()
        let run = try runTool("kdsl-ocr", ["--image-root", dir, "--quiet", "--jobs", "2"], input: input)
        #expect(run.status == 1)
        #expect(run.lines.count == 14)
        for (line, reason) in [(1, "empty.png: empty file"), (7, "cut.png: truncated PNG"), (8, "text.png: not a recognised image format"),
                               (9, "gif.gif: not a recognised image format"), (10, "nosuch.png: No such file or directory"), (11, "/tmp: is a directory")] {
            #expect(run.err.contains("line \(line): image \(reason)"), "\(line): \(run.err)")
        }
        for line in [2, 3, 4, 5, 6, 12, 13, 14] {
            #expect(!run.err.contains("line \(line):"), "\(run.err)")
            #expect(run.lines[line - 1].contains(#""engine":"ppocr""#) && !run.lines[line - 1].contains(#""error""#))
        }
    }
}
