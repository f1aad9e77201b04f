import Basics
import Foundation
import Testing
@testable import kdsl_model
import JSONLines
import TestSupport

@Suite struct PredictionStreamTests {
    /// `predict --jobs N` writes the same bytes, messages and status for every N: batches of 256
    /// lines cross bad lines, unknown tasks, blank lines, a record that already has `model`, and
    /// images that cannot be read (a warning each, at its line, in input order).
    @Test func sameBytesForAnyJobs() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-predict-jobs-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Scene records carry an image (two shades, so the image features vary), read by the model.
        for shade in 0..<2 {
            var ppm = Array("P6\n8 8\n255\n".utf8)
            for i in 0..<64 { ppm += [UInt8(i * 4), UInt8(shade * 200), 100] }
            try Data(ppm).write(to: dir.appendingPathComponent("ok\(shade).ppm"))
        }
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("bad.jpg"))
        let jpeg = try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg"))
        try jpeg.prefix(jpeg.count / 3).write(to: dir.appendingPathComponent("cut.jpg"))
        var train: [String] = []
        let words = [("refund", "refund money back"), ("track", "where parcel tracking"), ("size", "which size fits")]
        for i in 0..<90 {
            let (label, w) = words[i % 3]
            let image = i % 2 == 0 ? "" : #","images":["ok\#(i % 3 % 2).ppm"]"#
            train.append(#"{"task":"\#(i % 2 == 0 ? "intent" : "scene")","text":"\#(w) \#(i % 5)"\#(image),"label":"\#(label)"}"#)
        }
        let model = dir.appendingPathComponent("m.model").path
        let root = ["--image-root", dir.path]
        let t = try runTool("kdsl-model", ["train", "--out", model, "--epochs", "5", "--views", "user", "--word-ngrams", "2", "--image-weight", "1"] + root,
                            input: train.joined(separator: "\n") + "\n")
        #expect(t.status == 0, "\(t.err)")
        var rng = SeededRNG(seed: 3)
        var lines: [String] = []
        for i in 0..<1500 {
            let text = randomText(&rng).replacingOccurrences(of: "\n", with: "\\n")
            switch rng.next() % 50 {
            case 0: lines.append(#"{"text": "cut off"#)
            case 1: lines.append("")
            case 2: lines.append(#"{"task":"weather","text":"\#(text)"}"#)
            case 3: lines.append(#"{"task":"intent","model":{"old":true},"text":"\#(text)"}"#)
            case 4: lines.append("[\(i)]")
            case 5, 6:
                let image = ["missing.png", "bad.jpg", "cut.jpg", "ok0.ppm"][Int(rng.next() % 4)]
                lines.append(#"{"id":\#(i),"task":"scene","images":["\#(image)","ok1.ppm"],"text":"\#(text)"}"#)
            default: lines.append(#"{"id":\#(i),"task":"\#(i % 3 == 0 ? "scene" : "intent")","text":"\#(text)"}"#)
            }
        }
        let input = lines.joined(separator: "\n") + "\n"
        for strict in [false, true] {
            let flags = ["predict", "--model", model] + root + (strict ? ["--strict"] : [])
            let one = try runTool("kdsl-model", flags + ["--jobs", "1"], input: input)
            #expect(one.status == 1)
            for reason in ["missing.png: No such file or directory", "bad.jpg: not a recognised image format", "cut.jpg: truncated JPEG"] where !strict {
                #expect(one.err.contains(": warning: image \(reason)"), "\(reason)")
            }
            #expect(one.err.split(separator: "\n").allSatisfy { $0.hasPrefix("kdsl-model: ") })
            #expect(strict || one.lines.count == lines.filter { !$0.isEmpty }.count)
            for jobs in [2, 3, 8] {
                let many = try runTool("kdsl-model", flags + ["--jobs", "\(jobs)"], input: input)
                #expect(many.status == one.status)
                #expect(many.stdout == one.stdout, "--jobs \(jobs)\(strict ? " --strict" : "")")
                #expect(many.stderr == one.stderr, "--jobs \(jobs)\(strict ? " --strict" : "")")
            }
        }
        let bad = try runTool("kdsl-model", ["predict", "--model", model, "--jobs", "0"], input: "")
        #expect(bad.status == 2)
    }
}
