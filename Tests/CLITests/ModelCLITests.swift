import Foundation
import Testing
import Basics
import JSONLines
import TestSupport

/// Tests of `kdsl-model train` / `predict` on small generated data. Trained weights are floating-point
/// sums through OpenBLAS, which picks its kernels per CPU, so predictions are checked by property;
/// the outputs that hold no trained number are CLI cases, Tests/cases/model-*.
@Suite struct ModelCLITests {
    let scratch: ScratchDirectory
    var dir: URL { scratch.url }

    init() throws { scratch = try ScratchDirectory("model-cli") }

    func path(_ name: String) -> String { scratch.path(name) }

    /// Two tasks, separable by words; a third of the records carry a dialogue instead of text.
    func data(_ n: Int = 60) -> String {
        var lines: [String] = []
        let intents = [("refund", "i want my money back refund"), ("track", "where is my parcel tracking"), ("size", "which size fits me")]
        for i in 0..<n {
            let (label, words) = intents[i % 3]
            let w = words.split(separator: " ")
            let text = "\(w[i % w.count]) \(w[(i / 3) % w.count]) \(w.last!) \(i % 7)"
            if i % 4 == 0 {
                lines.append(#"{"id":"i\#(i)","task":"intent","dialogue":"用户: \#(text)\n客服: ok","label":"\#(label)"}"#)
            } else {
                lines.append(#"{"id":"i\#(i)","task":"intent","text":"\#(text)","label":"\#(label)"}"#)
            }
            let scene = i % 2 == 0 ? ("cart", "购物车 结算") : ("pay", "支付 密码")
            lines.append(#"{"id":"s\#(i)","task":"scene","ocr":{"text":"\#(scene.1) \#(i)"},"label":"\#(scene.0)"}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func train(_ input: String, _ extra: [String] = []) throws -> ToolRun {
        try runTool("kdsl-model", ["train", "--out", path("m.model")] + extra, input: input)
    }

    @Test func trainsAndPredictsInOrder() throws {
        let t = try train(data())
        #expect(t.status == 0, "\(t.err)")
        #expect(t.out.isEmpty)
        let test = #"{"id":"a","task":"intent","text":"refund my money back"}"# + "\n"
            + #"{"id":"b","task":"scene","ocr":{"text":"支付 密码"}}"# + "\n"
            + #"{"id":"c","task":"weather","text":"rain"}"# + "\n"
            + #"{"id":"d","task":"intent"}"# + "\n"
        let p = try runTool("kdsl-model", ["predict", "--model", path("m.model"), "--top", "2"], input: test)
        #expect(p.status == 0, "\(p.err)")
        let out = p.lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(out.map { $0["id"] as! String } == ["a", "b", "c", "d"])
        let a = out[0]["model"] as! [String: Any]
        #expect(a["label"] as? String == "refund")
        #expect((a["top"] as! [[Any]]).count == 2)
        #expect((out[1]["model"] as! [String: Any])["label"] as? String == "pay")
        let c = out[2]["model"] as! [String: Any]
        #expect(c["label"] is NSNull)
        #expect((c["reason"] as! String).contains("weather"))
        // A record with no text at all still gets a prediction (from the bias), not an error.
        #expect((out[3]["model"] as! [String: Any])["label"] is String)
        // Fields pass through byte for byte; the model key goes last.
        #expect(p.lines[0].hasPrefix(#"{"id":"a","task":"intent","text":"refund my money back","model":{"label":"refund","p":"#))
    }

    /// `--layout` adds the OCR lines' geometry as a dense block (here without image features);
    /// the model file remembers it, so predict reads the lines again.
    @Test func layoutSummaryIsStoredAndUsed() throws {
        let t = try train(data(), ["--layout", "--no-images", "--image-weight", "1"])
        #expect(t.status == 0, "\(t.err)")
        let bytes = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path("m.model"))), as: UTF8.self)
        #expect(bytes.contains(" layout"))
        // The default `--views auto` reads the lines view too (it is stored with the views).
        #expect(bytes.contains("lines"))
        let record = #"{"task":"scene","ocr":{"text":"支付 密码","images":[{"path":"x.jpg","width":100,"height":200,"lines":[{"text":"支付 密码","box":[10,20,90,40],"confidence":99}]}]}}"# + "\n"
        let p = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: record)
        #expect(p.status == 0, "\(p.err)")
        #expect(p.out.contains(#""label":"pay""#))
    }

    /// An image over `--max-pixels` (read from its header) is refused before decoding, with the
    /// words kdsl-ocr uses: a warning at its line, zero image features, the record kept; when no
    /// image of the run could be used, the run fails after writing the records.
    @Test func imagesOverTheMaxPixelsAreNotDecoded() throws {
        let image = repositoryRoot.appendingPathComponent("Tests/OCRTests/Fixtures/phototest.png").path
        let records = (0..<12).map { #"{"task":"scene","images":["\#(image)"],"ocr":{"text":"\#($0 % 2 == 0 ? "支付" : "购物车")"},"label":"\#($0 % 2 == 0 ? "pay" : "cart")"}"# }
        let t = try train(records.joined(separator: "\n") + "\n", ["--image-weight", "1"])
        #expect(t.status == 0, "\(t.err)")
        let p = try runTool("kdsl-model", ["predict", "--model", path("m.model"), "--max-pixels", "100"], input: records[0] + "\n")
        // The record is written; as no image at all could be used, the run then fails (exit 2).
        #expect(p.status == 2)
        #expect(p.err.contains("none of the 1 image(s) could be read or decoded"), "\(p.err)")
        #expect(p.lines.count == 1 && p.lines[0].contains(#""model":{"label":"#))
        #expect(p.err.contains("line 1: warning: image \(image): image too large: "), "\(p.err)")
        #expect(p.err.contains("pixels, over --max-pixels 100"))
    }

    /// Prediction on one long line holds a few times the line, not every n-gram's id (which cost
    /// 24-30 bytes per byte of the line): views are hashed a chunk of tokens at a time and long
    /// views' rows are counted, not kept. Peak RSS from the kernel (`ru_maxrss` of the child).
    @Test func oneLongLineCostsAFewTimesItsSize() throws {
        #expect(try train(data(), ["--views", "user", "--word-ngrams", "2", "--char-ngrams", "3-5"]).status == 0)
        let words = ["refund", "money", "parcel", "tracking", "size", "退款", "快递到哪了", "naïve"]
        var text = ""
        var i = 0
        while text.utf8.count < 8_000_000 { text += words[i % words.count] + " "; i += 1 }
        try Data((#"{"task":"intent","text":"\#(text)"}"# + "\n").utf8).write(to: URL(fileURLWithPath: path("long.jsonl")))
        try Data((#"{"task":"intent","text":"refund"}"# + "\n").utf8).write(to: URL(fileURLWithPath: path("short.jsonl")))
        // Peak RSS in KiB of predict on each file, each run as the only child of a Python process.
        let measure = "import resource, subprocess, sys; subprocess.run(['kdsl-model', 'predict', '--model', sys.argv[1]], stdin=open(sys.argv[2], 'rb'), stdout=subprocess.DEVNULL, check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        let kib = try ["short.jsonl", "long.jsonl"].map { file -> Int in
            let run = try runShell("python3 -c \"\(measure)\" '\(path("m.model"))' '\(path(file))'")
            #expect(run.status == 0, "\(run.err)")
            return Int(run.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let grown = (kib[1] - kib[0]) * 1024
        #expect(grown < 6 * text.utf8.count, "peak RSS grew by \(grown) bytes for a \(text.utf8.count)-byte line")
    }

    @Test func sameBytesTwice() throws {
        let input = data()
        #expect(try train(input, ["--seed", "7", "--hidden", "8"]).status == 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: path("m.model")))
        #expect(try train(input, ["--seed", "7", "--hidden", "8"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("m.model"))) == first)
        let p1 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: input)
        let p2 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: input)
        #expect(p1.stdout == p2.stdout && p1.status == 0)
    }

    @Test func jointAndAugmentRun() throws {
        #expect(try train(data(), ["--joint", "--augment", "flip", "--validation", "0.2"]).status == 0)
        let p = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: #"{"task":"weather","text":"refund"}"# + "\n")
        // A joint model has one head for every record.
        #expect(p.status == 0 && p.out.contains(#""label":"refund""#))
    }

    /// Intent is told by the user's words and its OCR text is pure noise; scene is told by its
    /// OCR text and its agent turns are pure noise. Noise words come from a fixed LCG.
    func noisyViews(_ n: Int = 90) -> String {
        let noise = (0..<40).map { "n\($0)" }
        var state: UInt32 = 12345
        func pick() -> String {
            state = state &* 1_103_515_245 &+ 12345
            return noise[Int(state >> 16) % noise.count]
        }
        let intents = [("refund", ["money", "back", "refund", "return"]), ("track", ["parcel", "where", "tracking", "late"]), ("size", ["size", "fits", "large", "small"])]
        let scenes = [("cart", ["购物车", "结算", "数量"]), ("pay", ["支付", "密码", "银行卡"]), ("chat", ["客服", "消息", "发送"])]
        var lines: [String] = []
        for i in 0..<n {
            let (label, words) = intents[i % 3]
            // One record in five has the words of another label: the text alone is not enough to
            // be always right, so noise in a second view costs accuracy.
            let told = i % 5 == 0 ? intents[(i + 1) % 3].1 : words
            let user = "\(told[(i / 3) % 4]) \(pick())"
            lines.append(#"{"task":"intent","text":"\#(user)","ocr":{"text":"\#(pick()) \#(pick()) \#(pick()) \#(pick())"},"label":"\#(label)"}"#)
            let (scene, sw) = scenes[i % 3]
            let agent = "\(pick()) \(pick()) \(pick()) \(pick())"
            lines.append(#"{"task":"scene","dialogue":"用户: hi\n客服: \#(agent)","ocr":{"text":"\#((i % 5 == 0 ? scenes[(i + 1) % 3].1 : sw)[(i / 3) % 3]) \#(pick())"},"label":"\#(scene)"}"#)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func viewsAutoChoosesPerHeadAndPredictUsesIt() throws {
        // The choice among user,agent,ocr and its subsets (`auto:LIST`; the default set adds the
        // `lines` view, which on these one-line OCR texts only repeats the ocr view).
        let t = try train(noisyViews(), ["--no-images", "--views", "auto:user,agent,ocr"])
        #expect(t.status == 0, "\(t.err)")
        // Scene: the agent's turns are noise and its labels show in the OCR text; dropping the
        // agent wins clearly. Intent: whatever the inner CV decided is noted with its reason.
        #expect(t.err.contains(#"task "scene": views user,ocr, word n-grams "#), "\(t.err)")
        let intent = try #require(t.err.split(separator: "\n").first { $0.contains(#"task "intent": views"#) })
        #expect(intent.contains("right of 90: user,agent,ocr/2 ") && intent.contains("user,agent/1 "), "\(intent)")
        // The model file records the choice (its info line names each head's views).
        let file = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path("m.model"))), as: UTF8.self)
        #expect(file.contains("scene: 90 records, 3 labels, views user,ocr, word n-grams "))
        // Predict reads each head's views only: a head without OCR ignores it, a head with it
        // does not.
        let probe = { (ocr: String) in
            #"{"task":"intent","text":"money parcel","ocr":{"text":"\#(ocr)"}}"# + "\n" + #"{"task":"scene","ocr":{"text":"\#(ocr)"}}"# + "\n"
        }
        let model = { (line: String) in line[line.range(of: #""model":"#)!.upperBound...] }
        let p1 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe("n1 n2 n3"))
        let p2 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe("n7 n8 支付 密码"))
        #expect(p1.status == 0 && p2.status == 0)
        #expect(model(p1.lines[1]) != model(p2.lines[1]))
        #expect(try train(noisyViews(), ["--no-images", "--views", "user,agent"]).status == 0)
        let u1 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe("n1 n2 n3"))
        let u2 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe("n7 n8 支付 密码"))
        #expect(model(u1.lines[0]) == model(u2.lines[0]))
        #expect(try train(noisyViews(), ["--no-images", "--views", "user,agent,ocr"]).status == 0)
        let f1 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe("n1 n2 n3"))
        let f2 = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe("n7 n8 支付 密码"))
        #expect(model(f1.lines[0]) != model(f2.lines[0]))
    }

    /// `--char-ngrams auto`: a head whose labels only show in word endings (every word is new,
    /// so word features carry nothing) keeps character n-grams; a head with CJK text only has no
    /// such choice to make.
    @Test func charNgramsAutoKeepsThemWhereOnlySubwordsTell() throws {
        var state: UInt32 = 777
        func stem() -> String {
            (0..<5).map { _ in
                state = state &* 1_103_515_245 &+ 12345
                return String(UnicodeScalar(UInt8(97 + Int(state >> 16) % 26)))
            }.joined()
        }
        let endings = [("past", "ed"), ("gerund", "ing"), ("plural", "s")]
        var lines: [String] = []
        for i in 0..<90 {
            let (label, ending) = endings[i % 3]
            lines.append(#"{"task":"spell","text":"\#(stem())\#(ending) \#(stem())\#(ending)","label":"\#(label)"}"#)
            let scene = i % 2 == 0 ? ("cart", "购物车") : ("pay", "支付")
            lines.append(#"{"task":"scene","ocr":{"text":"\#(scene.1)"},"label":"\#(scene.0)"}"#)
        }
        let input = lines.joined(separator: "\n") + "\n"
        let t = try train(input, ["--no-images", "--views", "user,ocr"])
        #expect(t.status == 0, "\(t.err)")
        #expect(t.err.contains(#"task "spell": views user,ocr, word n-grams 2, character n-grams on"#), "\(t.err)")
        let notes = t.err.split(separator: "\n")
        #expect(notes.contains { $0.contains(#"task "spell": views"#) && $0.contains("/no-chars") }, "the spell head tried both: \(t.err)")
        #expect(!notes.contains { $0.contains(#"task "scene""#) && $0.contains("no-chars") }, "no non-CJK word in scene: \(t.err)")
        let file = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path("m.model"))), as: UTF8.self)
        #expect(file.contains("spell: 90 records, 3 labels, views user,ocr, word n-grams 2, character n-grams 3-5"), "\(file.prefix(600))")
        // Without them the same head cannot tell the endings apart: predictions on new words differ.
        let probe = #"{"task":"spell","text":"qqqqqing"}"# + "\n"
        let on = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: probe)
        #expect(on.lines.first?.contains(#""label":"gerund""#) == true, "\(on.out)")
    }

    @Test func unlabelledAndSingletonLabelsAreReported() throws {
        let input = data() + #"{"task":"intent","text":"no label here"}"# + "\n" + #"{"task":"intent","text":"odd one","label":"rare"}"# + "\n"
        let t = try train(input)
        #expect(t.status == 0)
        #expect(t.err.contains("left out 1 record(s) without a label (first: line 121)"))
        #expect(t.err.contains("label(s) seen once (kept): \"rare\""))
    }

    @Test func badRecordsExitOneButTrain() throws {
        let t = try train(data() + "not json\n" + #"{"task":"intent","text":"x","label":7.5}"# + "\n")
        #expect(t.status == 1)
        #expect(t.err.contains("line 121:"))
        #expect(t.err.contains("line 122: label is a number that is not an integer (7.5), expected a string or an integer"))
        #expect(FileManager.default.fileExists(atPath: path("m.model")))
    }

    /// A field of the wrong type is a bad record, not an absent field: train reports it with its
    /// line and leaves it out, predict and cv forward it with `error` (fields they read); all exit 1.
    @Test func wrongTypedFieldsAreBadRecords() throws {
        let bad: [(String, String)] = [
            (#"{"task":5,"text":"refund","label":"refund"}"#, "task is a number, expected a string"),
            (#"{"task":["s"],"text":"refund","label":"refund"}"#, "task is an array, expected a string"),
            (#"{"task":"intent","text":5,"label":"refund"}"#, "text is a number, expected a string"),
            (#"{"task":"scene","ocr":{"text":{"a":1}},"label":"pay"}"#, "ocr.text is an object, expected a string"),
            (#"{"task":"intent","dialogue":7,"label":"refund"}"#, "dialogue is a number, expected a string or an array of turns"),
            (#"{"task":"scene","images":5,"label":"pay"}"#, "images is a number, expected a path string or an array of them"),
            (#"{"task":"scene","images":[1,2],"label":"pay"}"#, "images[0] is a number, expected a path string"),
            (#"{"task":"scene","image":true,"label":"pay"}"#, "image is a boolean, expected a path string or an array of them"),
        ]
        let good = data()
        let input = good + bad.map(\.0).joined(separator: "\n") + "\n"
        let first = good.split(separator: "\n").count + 1
        let t = try train(input, ["--views", "user,ocr", "--word-ngrams", "1", "--char-ngrams", "0"])
        #expect(t.status == 1, "\(t.err)")
        for (i, (_, message)) in bad.enumerated() {
            #expect(t.err.contains("line \(first + i): \(message)"), "\(message): \(t.err)")
        }
        #expect(FileManager.default.fileExists(atPath: path("m.model")))
        // The good records alone give the same model: the bad ones were left out, not read as absent.
        let alone = try runTool("kdsl-model", ["train", "--out", path("alone.model"), "--views", "user,ocr", "--word-ngrams", "1", "--char-ngrams", "0"], input: good)
        #expect(alone.status == 0)
        let m = try Data(contentsOf: URL(fileURLWithPath: path("m.model"))), a = try Data(contentsOf: URL(fileURLWithPath: path("alone.model")))
        #expect(m == a)

        let p = try runTool("kdsl-model", ["predict", "--model", path("m.model")], input: bad.map(\.0).joined(separator: "\n") + "\n" + #"{"task":"intent","text":"refund"}"# + "\n")
        #expect(p.status == 1, "\(p.err)")
        let out = p.lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(out.count == bad.count + 1)
        // Predict checks the fields it reads: the task and the head's text views, and the images
        // only when the head has image features (this model has none: no record had images).
        for (i, (_, message)) in bad.enumerated() {
            let error = out[i]["error"] as? [String: Any]
            if message.hasPrefix("image") {
                #expect(error == nil && out[i]["model"] != nil, "\(out[i])")
                continue
            }
            #expect((error?["message"] as? String)?.contains(message) == true, "\(out[i])")
            #expect(out[i]["model"] == nil)
            #expect(p.err.contains("line \(i + 1): \(message)"))
        }
        #expect(out[bad.count]["model"] != nil && out[bad.count]["error"] == nil)

        let folded = input.split(separator: "\n").enumerated().map { i, l in l.dropLast() + #","fold":\#(i % 2)}"# }.joined(separator: "\n") + "\n"
        let cv = try runTool("kdsl-model", ["cv", "--views", "user,ocr", "--word-ngrams", "1", "--char-ngrams", "0", "--epochs", "5"], input: folded)
        #expect(cv.status == 1, "\(cv.err)")
        #expect(cv.err.contains("line \(first): task is a number, expected a string"))
        // cv forwards the bad records with `error`, in place, as predict does.
        #expect(cv.lines.count == folded.split(separator: "\n").count)
        let cvOut = cv.lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(cvOut.filter { $0["error"] != nil }.count == bad.count)
        #expect(cvOut.filter { $0["model"] != nil }.count == good.split(separator: "\n").count)
    }

    /// With sentence vectors: the fusion model (format 4) predicts the same bytes for any --jobs,
    /// on records with vectors, without, and with a null view, and says after the records how
    /// many lacked them, once.
    @Test func embeddingHeadSameBytesForAnyJobs() throws {
        var rng = SeededRNG(seed: 4)
        func record(_ i: Int, vectors: Bool) -> String {
            let label = ["card", "loan", "fx"][i % 3]
            var v = (0..<16).map { _ in (rng.nextUnit() - 0.5) * 0.3 }
            v[i % 3] += 1
            let e = vectors ? #","embedding":{"encoder":"toy","user":[\#(v.map { "\(Float($0))" }.joined(separator: ","))],"ocr":null}"# : ""
            return #"{"id":\#(i),"text":"please help \#(i % 7)","label":"\#(label)"\#(e)}"#
        }
        let train = (0..<60).map { record($0, vectors: true) }.joined(separator: "\n") + "\n"
        let t = try runTool("kdsl-model", ["train", "--out", path("e.model")], input: train)
        #expect(t.status == 0, "\(t.err)")
        #expect(t.err.contains("embedding head (user)"), "\(t.err)")
        let input = (0..<1500).map { record($0, vectors: $0 % 10 != 0) }.joined(separator: "\n") + "\n"
        var first: ToolRun? = nil
        for jobs in [1, 3] {
            let p = try runTool("kdsl-model", ["predict", "--model", path("e.model"), "--jobs", "\(jobs)"], input: input)
            #expect(p.status == 0, "\(p.err)")
            #expect(p.err == "kdsl-model: warning: the model: 150 of 1500 records had no toy vectors in user (embedding); they were predicted by the n-gram head alone: run kdsl-embed on them first\n")
            if let first { #expect(p.out == first.out && p.err == first.err, "--jobs \(jobs)") } else { first = p }
        }
    }

    /// `--label-names`: three classes whose training sentences say nothing of them ("please do
    /// it now"), so only their names (`weather_forecast`, `play_music`, `set_alarm`, embedded by
    /// multilingual-e5-small from the real weight file) tell the embedding head what each is
    /// about. With them every test sentence gets its class; without them most do not; the model's
    /// summary says which, and a second training writes the same bytes.
    @Test func labelNamesTeachTheEmbeddingHead() throws {
        let train = """
            {"text":"can you check this for me","label":"weather_forecast"}
            {"text":"i want to know something","label":"weather_forecast"}
            {"text":"please do it now","label":"play_music"}
            {"text":"could you help me with this","label":"play_music"}
            {"text":"i need this done","label":"set_alarm"}
            {"text":"do that thing for me","label":"set_alarm"}

            """
        let test = """
            {"text":"will it rain tomorrow in paris","label":"weather_forecast"}
            {"text":"how hot will it be this afternoon","label":"weather_forecast"}
            {"text":"put on some jazz songs","label":"play_music"}
            {"text":"i want to hear my favourite playlist","label":"play_music"}
            {"text":"set an alarm for seven in the morning","label":"set_alarm"}
            {"text":"i need an alarm at 6 tomorrow","label":"set_alarm"}

            """
        let trainE = try runTool("kdsl-embed", ["--quiet", "--views", "user"], input: train)
        let testE = try runTool("kdsl-embed", ["--quiet", "--views", "user"], input: test)
        #expect(trainE.status == 0 && testE.status == 0, "\(trainE.err)\(testE.err)")
        try trainE.stdout.write(to: URL(fileURLWithPath: path("train.jsonl")))
        var correct: [String: Int] = [:]
        for names in ["on", "off"] {
            let t = try runTool("kdsl-model", ["train", "--mix", "0", "--label-names", names, "--out", path("\(names).kdsl"), path("train.jsonl")])
            #expect(t.status == 0, "\(t.err)")
            #expect(t.err.contains("embedding user+names (multilingual-e5-small)") == (names == "on"), "\(t.err)")
            let p = try runTool("kdsl-model", ["predict", "--model", path("\(names).kdsl")], stdin: testE.stdout)
            #expect(p.status == 0, "\(p.err)")
            correct[names] = try p.lines.filter { line in
                let r = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return (r["model"] as? [String: Any])?["label"] as? String == r["label"] as? String
            }.count
        }
        #expect(correct["on"] == 6, "\(correct)")
        #expect(correct["off"]! <= 3, "\(correct)")
        // The names' vectors are the same bytes every run: so is the model.
        let again = try runTool("kdsl-model", ["train", "--mix", "0", "--label-names", "on", "--out", path("again.kdsl"), path("train.jsonl")])
        #expect(again.status == 0, "\(again.err)")
        #expect(FileManager.default.contents(atPath: path("again.kdsl")) == FileManager.default.contents(atPath: path("on.kdsl")))
    }

    /// Vectors of another encoder, weights that do not load, labels that are numbers:
    /// `--label-names auto` trains without the names and says why; `on` stops before training
    /// (exit 2) saying why.
    @Test func labelNamesNeedTheEncodersVectors() throws {
        let train = (0..<30).map { i in
            #"{"text":"please help \#(i % 5)","label":"\#(["card", "loan", "fx"][i % 3])","embedding":{"encoder":"toy","user":[\#(i % 3),1,\#(Float(i % 7) / 7)]}}"#
        }.joined(separator: "\n") + "\n"
        let auto = try runTool("kdsl-model", ["train", "--out", path("auto.kdsl")], input: train)
        #expect(auto.status == 0, "\(auto.err)")
        #expect(auto.err.contains(#"kdsl-model: the label names are not used: the records' vectors come from "toy", and kdsl-model embeds the names with multilingual-e5-small (--label-names off leaves them out without this note)"#), "\(auto.err)")
        let on = try runTool("kdsl-model", ["train", "--label-names", "on", "--out", path("on.kdsl")], input: train)
        #expect(on.status == 2, "\(on.err)")
        #expect(on.err.contains(#"--label-names on: the records' vectors come from "toy""#), "\(on.err)")
        #expect(!FileManager.default.fileExists(atPath: path("on.kdsl")))
        let missing = try runTool("kdsl-model", ["train", "--label-names", "on", "--encoder-model", path("none.bin"), "--out", path("m.kdsl")],
                                  input: train.replacingOccurrences(of: "\"toy\"", with: "\"multilingual-e5-small\""))
        #expect(missing.status == 2, "\(missing.err)")
        #expect(missing.err.contains("--label-names on: encoder weights \(path("none.bin"))"), "\(missing.err)")
        // Labels that are class numbers name nothing: auto goes without them, on stops.
        var rng = SeededRNG(seed: 9)
        let numbered = (0..<30).map { i in
            let v = (0..<384).map { _ in "\(Float(rng.nextUnit() - 0.5))" }.joined(separator: ",")
            return #"{"text":"please help \#(i % 5)","label":"\#(i % 3)","embedding":{"encoder":"multilingual-e5-small","last":[\#(v)]}}"#
        }.joined(separator: "\n") + "\n"
        let numbers = try runTool("kdsl-model", ["train", "--out", path("n.kdsl")], input: numbered)
        #expect(numbers.status == 0, "\(numbers.err)")
        #expect(numbers.err.contains("the label names are not used: no label has a letter in its name"), "\(numbers.err)")
        let numbersOn = try runTool("kdsl-model", ["train", "--label-names", "on", "--out", path("non.kdsl")], input: numbered)
        #expect(numbersOn.status == 2 && numbersOn.err.contains("--label-names on: no label has a letter"), "\(numbersOn.err)")
    }

    /// A run whose loss overflows (a hidden layer with a huge rate and no decay) exits 2 naming
    /// the head and the remedy, and writes no model (nor leaves a temporary file).
    @Test func divergedTrainingWritesNoModel() throws {
        let t = try train(data(), ["--hidden", "4", "--lr", "1e20", "--l2", "0", "--epochs", "3"])
        #expect(t.status == 2, "\(t.err)")
        #expect(t.err.contains("task \"intent\": training diverged"), "\(t.err)")
        #expect(t.err.contains("use a smaller --lr (now 1e+20)"), "\(t.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let cv = try runTool("kdsl-model", ["cv", "--hidden", "4", "--lr", "1e20", "--l2", "0", "--epochs", "3"],
                             input: data().split(separator: "\n").enumerated().map { i, l in l.dropLast() + #","fold":\#(i % 2)}"# }.joined(separator: "\n") + "\n")
        #expect(cv.status == 2 && cv.err.contains("training diverged"), "\(cv.err)")
        #expect(cv.out.isEmpty)
    }

    /// Each image that cannot be used is a warning at its record's line, in train, predict and cv
    /// alike; a cut PNG or JPEG is refused with our reason, so every line on stderr is ours.
    @Test func undecodableImagesAreReportedAndKept() throws {
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: path("bad.jpg")))
        let png = try Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/OCRTests/Fixtures/phototest.png"))
        try png.prefix(png.count / 2).write(to: URL(fileURLWithPath: path("cut.png")))
        let jpeg = try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: path("cut.jpg")))
        var ppm = Array("P6\n8 8\n255\n".utf8)
        for i in 0..<64 { ppm += [UInt8(i * 4), 100, 200] }
        try Data(ppm).write(to: URL(fileURLWithPath: path("ok.ppm")))
        let bad = ["bad.jpg", "missing.png", "cut.png", "cut.jpg"]
        var input = ""
        for i in 0..<12 {
            let images = i < bad.count ? #""\#(bad[i])","ok.ppm""# : #""ok.ppm""#
            input += #"{"task":"scene","images":[\#(images)],"ocr":{"text":"\#(i % 2 == 0 ? "cart" : "pay") \#(i)"},"label":"\#(i % 2 == 0 ? "cart" : "pay")","fold":\#(i % 3)}"# + "\n"
        }
        let warnings = """
            kdsl-model: line 1: warning: image bad.jpg: not a recognised image format
            kdsl-model: line 2: warning: image missing.png: No such file or directory
            kdsl-model: line 3: warning: image cut.png: truncated PNG: chunk IDAT runs past the end of the file
            kdsl-model: line 4: warning: image cut.jpg: truncated JPEG: no end-of-image marker
            kdsl-model: warning: 4 image(s) could not be read or decoded; their features are zero, records kept

            """
        let t = try runTool("kdsl-model", ["train", "--out", path("m.model"), "--image-root", dir.path, "--image-weight", "1"], input: input)
        #expect(t.status == 0, "\(t.err)")
        #expect(t.err.hasPrefix(warnings), "\(t.err)")
        for jobs in [1, 2, 4] {
            let p = try runTool("kdsl-model", ["predict", "--model", path("m.model"), "--image-root", dir.path, "--jobs", "\(jobs)"], input: input)
            #expect(p.status == 0)
            #expect(p.lines.count == 12)
            #expect(p.err == warnings, "--jobs \(jobs)")
        }
        let cv = try runTool("kdsl-model", ["cv", "--image-root", dir.path, "--image-weight", "1"], input: input)
        #expect(cv.status == 0, "\(cv.err)")
        // cv reports the total after its folds.
        let perImage = warnings.split(separator: "\n").prefix(4).joined(separator: "\n") + "\n"
        #expect(cv.err.hasPrefix(perImage), "\(cv.err)")
        #expect(cv.err.contains("warning: 4 image(s) could not be read"))
        #expect((t.err + cv.err).split(separator: "\n").allSatisfy { $0.hasPrefix("kdsl-model: ") })
    }

    @Test func helpNamesFieldsAndStatuses() throws {
        let h = try runTool("kdsl-model", ["predict", "--help"])
        #expect(h.status == 0)
        #expect(h.out.contains("Reads: task, text, dialogue, ocr.text, images, embedding. Writes: model"))
        let top = try runTool("kdsl-model", ["--help"])
        #expect(top.out.contains("Exit status: 0 ok; 1 bad records"))
    }

    @Test func closedPipeEndsQuietly() throws {
        #expect(try train(data()).status == 0)
        let big = String(repeating: #"{"task":"intent","text":"refund"}"# + "\n", count: 50_000)
        try big.write(toFile: path("big.jsonl"), atomically: false, encoding: .utf8)
        let r = try runShell("kdsl-model predict --model '\(path("m.model"))' < '\(path("big.jsonl"))' | head -1")
        #expect(r.status == 0)
        #expect(r.lines.count == 1)
        #expect(r.err.isEmpty)
    }
}
