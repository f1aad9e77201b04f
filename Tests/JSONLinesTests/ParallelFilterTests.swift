import Foundation
import Testing
import Basics
@testable import JSONLines
import TestSupport

/// What the writer thread received, collected across threads.
private final class Collected: @unchecked Sendable {
    let lock = Mutex()
    var bytes: [UInt8] = []
    var problems: [String] = []
    var stopped = false
    var batches = 0
    /// Lines transformed minus lines written, at its largest: the memory the window holds.
    var inFlight = 0, maxInFlight = 0
    var transforms = 0
    var threads: [pthread_t] = []
}

/// Random input lines: records, blank lines, lines that are not JSON or not an object, records
/// the transform rejects (`"reject"`), reports a problem on (`"warn"`), warns about without making
/// it bad (`"note"`), or writes itself (`"own"`).
private func randomLines(seed: UInt64, count: Int) -> [String] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { i in
        switch rng.next() % 40 {
        case 0: return #"{"id": \#(i), "cut"#
        case 1: return ""
        case 2: return "  \t"
        case 3: return "[\(i)]"
        case 4: return #"{"id":\#(i),"reject":true}"#
        case 5: return #"{"id":\#(i),"warn":"twice"}"#
        case 6: return #"{"id":\#(i),"error":{"stage":"upstream"},"reject":1}"#
        case 7, 8: return #"{"id":\#(i),"own":true}"#
        case 9: return #"{"id":\#(i),"note":true}"#
        default: return #"{"id":\#(i),"text":"line \#(i) \#(String(repeating: "x", count: Int(rng.next() % 50)))"}"#
        }
    }
}

/// The transform under test: sets `n` to the record's id, and exercises every outcome.
private func makeTransform(_ collected: Collected) -> RecordTransform {
    collected.lock.locked { collected.transforms += 1 }
    return { record, out in
        collected.lock.locked {
            collected.inFlight += 1
            collected.maxInFlight = max(collected.maxInFlight, collected.inFlight)
        }
        if record.has("reject") { throw RecordError("rejected") }
        if record.has("warn") { out.problems = ["first warning", "second warning"] }
        if record.has("note") { out.warnings = ["noted"] }
        if record.has("own"), out.writeRecord({ $0.append(contentsOf: #"{"own":"written by the transform"}"#.utf8); return true }) { return }
        record.set("n", record.value(at: "id") ?? .null)
    }
}

/// The one-job answer: `ParallelFilter.process` line by line, as `runFilter` runs it.
private func reference(_ lines: [String], file: String, strict: Bool) throws -> (bytes: [UInt8], problems: [String]) {
    let collected = Collected()
    let transform = makeTransform(collected)
    var record = Record()
    var out = RecordOutput()
    var problems: [RecordReport] = []
    for (i, line) in lines.enumerated() {
        var bytes = Array(line.utf8)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
        let bad = try bytes.withUnsafeMutableBufferPointer {
            try ParallelFilter.process(UnsafeBufferPointer($0), at: JSONLines.SourceLocation(file: file, line: i + 1), record: &record,
                                       stage: "kdsl-test", transform: transform, out: &out, problems: &problems)
        }
        if bad && strict { break }
    }
    return (out.bytes, problems.map(describe))
}

/// A report as `Diagnostics` prints it (without the stage).
private func describe(_ report: RecordReport) -> String {
    "\(report.location): \(report.warning ? "warning: " : "")\(report.message)"
}

private func temporaryFile(_ lines: [String]) throws -> String {
    let path = testScratchRoot.appendingPathComponent("kdsl-parallel-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    return path
}

private func runParallel(_ path: String, jobs: Int, batchLines: Int, strict: Bool, batchBytes: Int? = nil, bytesPerJob: Int? = nil) throws -> Collected {
    let collected = Collected()
    var filter = ParallelFilter(StreamOptions(strict: strict, inputs: [path]), jobs: jobs)
    filter.batchLines = batchLines
    if let batchBytes { filter.batchBytes = batchBytes }
    if let bytesPerJob { filter.bytesPerJob = bytesPerJob }
    try filter.runParallel({ makeTransform(collected) }, sink: { batch in
        collected.lock.locked {
            collected.bytes += batch.bytes
            collected.problems += batch.problems.map(describe)
            collected.inFlight -= batch.bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            collected.batches += 1
            if batch.stopped { collected.stopped = true }
        }
    })
    return collected
}

@Suite struct ParallelFilterTests {
    init() { Diagnostics.shared.stage = "kdsl-test" }

    /// Any number of jobs and any batch size give the one-job bytes and problems, in input order.
    @Test(arguments: [(2, 256), (3, 7), (8, 1), (4, 1000)])
    func sameOutputAsOneJob(jobs: Int, batchLines: Int) throws {
        let lines = randomLines(seed: UInt64(jobs * 1000 + batchLines), count: 3000)
        let path = try temporaryFile(lines)
        defer { unlink(path) }
        let expected = try reference(lines, file: path, strict: false)
        let got = try runParallel(path, jobs: jobs, batchLines: batchLines, strict: false)
        #expect(got.bytes == expected.bytes)
        #expect(got.problems == expected.problems)
        #expect(!got.stopped)
        #expect(got.transforms == jobs, "one transform per worker, made by the factory")
        // Every kind of outcome occurred, so the comparison covered them.
        let text = String(decoding: got.bytes, as: UTF8.self)
        for piece in [#""raw":"#, "rejected", "written by the transform", #""n":"#, #""stage":"upstream""#] {
            #expect(text.contains(piece), "\(piece)")
        }
        #expect(got.problems.contains { $0.hasSuffix("second warning") })
        #expect(got.problems.contains { $0.hasSuffix(": warning: noted") })
    }

    /// Under `--strict` the batch holding the first bad record is flagged, and its output ends
    /// with that record, exactly where the one-job loop stops.
    @Test(arguments: [2, 5])
    func strictStopsAtTheFirstBadRecord(jobs: Int) throws {
        var lines = (0..<2000).map { #"{"id":\#($0)}"# }
        lines[1000] = #"{"id":1000,"note":true}"#  // a warning does not stop the run
        lines[1234] = #"{"id":1234,"warn":"x"}"#
        lines[1500] = "not json"
        let path = try temporaryFile(lines)
        defer { unlink(path) }
        let expected = try reference(lines, file: path, strict: true)
        var written: [UInt8] = []
        var problems: [String] = []
        var filter = ParallelFilter(StreamOptions(strict: true, inputs: [path]), jobs: jobs)
        filter.batchLines = 100
        let collected = Collected()
        try filter.runParallel({ makeTransform(collected) }, sink: { batch in
            // The real sink ends the process at a stopped batch: nothing after it counts.
            if collected.stopped { return }
            written += batch.bytes
            problems += batch.problems.map(describe)
            if batch.stopped { collected.stopped = true }
        })
        #expect(collected.stopped)
        #expect(written == expected.bytes)
        #expect(problems == expected.problems)
        #expect(String(decoding: written, as: UTF8.self).split(separator: "\n").count == 1235)
        #expect(problems.first?.hasSuffix("line 1001: warning: noted") == true)
    }

    /// Memory stays flat: records taken by workers but not yet written never exceed the window
    /// (`batchesPerJob × jobs` batches) plus the batch the writer holds.
    @Test func windowBoundsRecordsInFlight() throws {
        let lines = (0..<20000).map { #"{"id":\#($0)}"# }
        let path = try temporaryFile(lines)
        defer { unlink(path) }
        let got = try runParallel(path, jobs: 2, batchLines: 16, strict: false)
        #expect(got.bytes.count > 0)
        #expect(got.maxInFlight <= (2 * 4 + 1) * 16)
        #expect(got.batches == 20000 / 16)
    }

    /// Long lines: the work in flight is bounded by bytes too, not only by lines (256-line batches
    /// of 6.8 MB records held gigabytes). Each 600 KB line here is cut into its own batch and at
    /// most 2 MiB of input (plus one line) waits or is worked on, so few records are in flight;
    /// the output is still the one-job output.
    @Test func longLinesAreBoundedByBytes() throws {
        let filler = String(repeating: "x", count: 600_000)
        let lines = (0..<40).map { #"{"id":\#($0),"text":"\#(filler)"}"# }
        let path = try temporaryFile(lines)
        defer { unlink(path) }
        let got = try runParallel(path, jobs: 2, batchLines: 256, strict: false, batchBytes: 256 << 10, bytesPerJob: 1 << 20)
        #expect(got.maxInFlight <= 5)
        #expect(got.bytes == (try reference(lines, file: path, strict: false)).bytes)
    }

    /// A slow stage (OCR) has every batch written out as soon as it is in order: a finished record
    /// never waits in the buffer behind a slow one.
    @Test func flushEachRecordFlushesEveryBatch() throws {
        let lines = (0..<50).map { #"{"id":\#($0)}"# }
        let path = try temporaryFile(lines)
        defer { unlink(path) }
        let flushes = Collected()
        var filter = ParallelFilter(StreamOptions(inputs: [path]), jobs: 3)
        filter.batchLines = 1
        filter.flushEachRecord = true
        try filter.runParallel({ makeTransform(Collected()) }, sink: { batch in
            flushes.lock.locked {
                if batch.flush { flushes.batches += 1 }
                if !batch.bytes.isEmpty { flushes.inFlight += 1 }
            }
        })
        #expect(flushes.inFlight == 50)
        #expect(flushes.batches >= 50)
    }

    /// A factory that fails (missing traineddata, say) fails the run before anything is written.
    @Test func factoryFailureIsThrownBeforeOutput() throws {
        let path = try temporaryFile([#"{"id":1}"#])
        defer { unlink(path) }
        var wrote = false
        let made = Mutex()
        nonisolated(unsafe) var count = 0
        #expect(throws: SetupError.self) {
            try ParallelFilter(StreamOptions(inputs: [path]), jobs: 3).runParallel({
                let n = made.locked { count += 1; return count }
                if n == 2 { throw SetupError("no engine") }
                return { _, _ in }
            }, sink: { _ in wrote = true })
        }
        #expect(!wrote)
    }

    /// An unreadable input after a good one: everything before it is written, then the error.
    @Test func unreadableInputEndsAfterEarlierRecords() throws {
        let path = try temporaryFile((0..<600).map { #"{"id":\#($0)}"# })
        defer { unlink(path) }
        let collected = Collected()
        var written = 0
        #expect(throws: SetupError.self) {
            try ParallelFilter(StreamOptions(inputs: [path, "/nonexistent/kdsl"]), jobs: 2).runParallel({ makeTransform(collected) },
                sink: { batch in written += batch.bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } })
        }
        #expect(written == 600)
    }
}
