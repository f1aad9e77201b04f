import Foundation
import Testing
import Basics
import JSONLines
import TestSupport

@Suite struct ApplyJobsTests {
    /// `apply --jobs N` writes the same bytes, messages and status for every N, bad lines,
    /// records without text, an upstream `error` and `--strict` included; batches of 256 lines
    /// cross all of them.
    @Test func sameBytesForAnyJobs() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-apply-jobs-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("rules.jsonl").path
        try """
        {"id":"r1","label":"refund","when":[{"field":"user","contains":"refund"}],"reward":0.9}
        {"id":"r2","label":"track","task":"intent","when":[{"field":"all","contains":"parcel"}],"reward":0.8}
        {"id":"r3","label":"size","when":[{"field":"ocr","contains":"尺码"}],"reward":0.95}
        """.write(toFile: rules, atomically: false, encoding: .utf8)
        let words = ["refund", "parcel", "尺码", "money", "where", "my", "card", "退款"]
        var rng = SeededRNG(seed: 11)
        var lines: [String] = []
        for i in 0..<1500 {
            let text = (0..<Int(rng.next() % 6)).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
            switch rng.next() % 50 {
            case 0: lines.append(#"{"text": "cut off"#)
            case 1: lines.append("")
            case 2: lines.append("[\(i)]")
            case 3: lines.append(#"{"id":\#(i),"error":{"stage":"up"},"text":"\#(text)"}"#)
            case 4: lines.append(#"{"id":\#(i)}"#)
            default: lines.append(#"{"id":\#(i),"task":"\#(i % 2 == 0 ? "intent" : "scene")","text":"\#(text)","ocr":{"text":"\#(text)"}}"#)
            }
        }
        let input = lines.joined(separator: "\n") + "\n"
        for strict in [false, true] {
            let flags = ["apply", "--rules", rules] + (strict ? ["--strict"] : [])
            let one = try runTool("kdsl-rules", flags, stdin: Data(input.utf8))
            #expect(one.status == 1)
            #expect(strict || one.lines.count == lines.filter { !$0.isEmpty }.count)
            #expect(strict || (one.out.contains(#""label":"refund""#) && one.out.contains(#""label":"size""#)))
            for jobs in [2, 3, 8] {
                let many = try runTool("kdsl-rules", flags + ["--jobs", "\(jobs)"], stdin: Data(input.utf8))
                #expect(many.status == one.status)
                #expect(many.stdout == one.stdout, "--jobs \(jobs)\(strict ? " --strict" : "")")
                #expect(many.stderr == one.stderr, "--jobs \(jobs)\(strict ? " --strict" : "")")
            }
        }
        #expect(try runTool("kdsl-rules", ["apply", "--rules", rules, "--jobs", "0"]).status == 2)
    }
}
