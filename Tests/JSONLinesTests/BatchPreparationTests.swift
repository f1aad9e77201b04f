import Foundation
import Testing
import Basics
@testable import JSONLines
import TestSupport

/// `ParallelFilter.run(preparing:)`: a worker's `prepare` sees exactly the records of a batch that
/// parse, in order, and the transform is then called on those same records in that order; with
/// `fixedBatches` the batches are every `batchLines` lines of the input, for any number of jobs.
@Suite struct BatchPreparationTests {
    final class Seen: @unchecked Sendable {
        let lock = Mutex()
        var batches: [[Int64]] = []
        var output: [UInt8] = []
        var problems: [String] = []
    }

    func run(_ path: String, jobs: Int, batchLines: Int) throws -> Seen {
        let seen = Seen()
        var filter = ParallelFilter(StreamOptions(inputs: [path]), jobs: jobs)
        filter.batchLines = batchLines
        filter.fixedBatches = true
        try filter.runParallel({ () -> (BatchPreparation?, RecordTransform) in
            final class Batch { var ids: [Int64] = []; var next = 0 }
            let batch = Batch()
            return ({ records in
                batch.ids = records.map { if case .int(let i)? = $0.value(at: "id") { return i } else { return -1 } }
                batch.next = 0
                seen.lock.locked { seen.batches.append(batch.ids) }
            }, { record, _ in
                // The record is the one `prepare` saw at this position.
                let expected = batch.ids[batch.next]
                batch.next += 1
                guard case .int(let id)? = record.value(at: "id"), id == expected else { throw RecordError("out of step") }
                if record.has("reject") { throw RecordError("rejected") }
                record.set("prepared", .int(expected))
            })
        }, sink: { done in
            seen.lock.locked {
                seen.output += done.bytes
                seen.problems += done.problems.map(\.message)
            }
        })
        return seen
    }

    @Test func prepareSeesTheRecordsTheTransformThenGets() throws {
        var lines: [String] = []
        for i in 0..<100 {
            switch i % 9 {
            case 3: lines.append(#"{"id": \#(i), "cut"#)
            case 5: lines.append(#"{"id":\#(i),"reject":true}"#)
            default: lines.append(#"{"id":\#(i)}"#)
            }
        }
        let path = testScratchRoot.appendingPathComponent("kdsl-prepare-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var outputs: [[UInt8]] = []
        for jobs in [1, 2, 3] {
            let seen = try run(path, jobs: jobs, batchLines: 7)
            #expect(!seen.problems.contains("out of step"), "--jobs \(jobs)")
            // Every 7 lines one batch; the lines that do not parse are not in it.
            let batches = seen.batches.sorted { ($0.first ?? 0) < ($1.first ?? 0) }
            #expect(batches.count == 15, "--jobs \(jobs)")
            #expect(batches.first == [0, 1, 2, 4, 5, 6])
            #expect(batches.flatMap { $0 } == (0..<100).filter { $0 % 9 != 3 }.map(Int64.init))
            #expect(seen.problems.filter { $0 == "rejected" }.count == 11)
            outputs.append(seen.output)
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
        let text = String(decoding: outputs[0], as: UTF8.self)
        #expect(text.split(separator: "\n").count == 100)
        #expect(text.contains(#"{"id":0,"prepared":0}"#))
    }
}
