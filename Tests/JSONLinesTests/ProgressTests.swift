import Foundation
import Testing
@testable import JSONLines
import TestSupport

// Foundation has its own `Progress`; name ours through the module.
private typealias Reporter = JSONLines.Progress

/// A clock the test moves by hand.
private final class ScriptedClock: @unchecked Sendable {
    var now = 0.0
}

/// Runs `body` with a file descriptor on a fresh temp file and returns what was written to it.
/// A file, not a pipe, so a chatty run cannot fill a pipe buffer and block.
private func captured(_ body: (Int32) -> Void) throws -> String {
    let path = testScratchRoot.path + "/kdsl-progress-\(getpid())-\(UUID().uuidString)"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    #expect(fd >= 0)
    defer { close(fd); unlink(path) }
    body(fd)
    return try String(contentsOfFile: path, encoding: .utf8)
}

@Test func formatsDurationsAndRates() {
    #expect(Reporter.duration(0) == "0s")
    #expect(Reporter.duration(45.9) == "45s")
    #expect(Reporter.duration(196.7) == "3m16s")
    #expect(Reporter.duration(3725) == "1h02m")
    #expect(Reporter.duration(-3) == "0s")
    #expect(Reporter.duration(.infinity) == "0s")
    #expect(Reporter.rate(0) == "0.00")
    #expect(Reporter.rate(0.42) == "0.42")
    #expect(Reporter.rate(3.6) == "3.6")
    #expect(Reporter.rate(3.04) == "3.0")
    #expect(Reporter.rate(12.46) == "12.5")
    #expect(Reporter.rate(250.4) == "250")
}

@Test func statusLineMatchesTheDocumentedFormat() {
    let known = Reporter(stage: "kdsl-ocr", unit: "images", total: 828, fd: -1, isTerminal: false, clock: { 0 })
    #expect(known.status(done: 120, elapsed: 120 / 3.6) == "kdsl-ocr: 120/828 images (14%), 3.6 images/s, 3m16s left")
    #expect(known.status(done: 0, elapsed: 0) == "kdsl-ocr: 0/828 images (0%), 0.00 images/s")
    #expect(known.status(done: 828, elapsed: 230) == "kdsl-ocr: 828/828 images (100%), 3.6 images/s")
    #expect(known.summary(done: 828, elapsed: 230) == "kdsl-ocr: 828/828 images in 3m50s, 3.6 images/s")
    let unknown = Reporter(stage: "kdsl-ocr", unit: "images", total: nil, fd: -1, isTerminal: false, clock: { 0 })
    #expect(unknown.status(done: 120, elapsed: 120 / 3.6) == "kdsl-ocr: 120 images, 3.6 images/s")
}

@Test func plainOutputIsSilentBeforeTheFirstInterval() throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "images", total: 828, fd: fd, isTerminal: false, clock: { clock.now })
        for t in [1.0, 2.0, 4.9] { clock.now = t; progress.advance() }
        progress.finish()
    }
    #expect(text == "")
}

@Test func plainOutputPrintsOneLinePerIntervalThenTheSummary() throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "images", total: 100, fd: fd, isTerminal: false, clock: { clock.now })
        for t in 1...12 { clock.now = Double(t); progress.advance(by: 2) }
        progress.finish()
        progress.finish()  // a second finish prints nothing
    }
    #expect(text == """
        kdsl-ocr: 10/100 images (10%), 2.0 images/s, 45s left
        kdsl-ocr: 20/100 images (20%), 2.0 images/s, 40s left
        kdsl-ocr: 24/100 images in 12s, 2.0 images/s

        """)
}

@Test func terminalRewritesOneLiveLineAtMostTenTimesASecond() throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "pages", total: 1000, fd: fd, isTerminal: true, clock: { clock.now })
        clock.now = 0.05; progress.advance()          // before 0.1 s: nothing
        clock.now = 0.5; progress.advance(by: 9)      // 10 pages, 20/s
        clock.now = 0.55; progress.advance()          // within 0.1 s of the last line: nothing
        clock.now = 0.6; progress.advance()           // 12 pages, 20/s
        clock.now = 1.0; progress.finish()
        clock.now = 2.0; progress.advance()           // after finish: nothing
    }
    #expect(text == "\rkdsl-ocr: 10/1000 pages (1%), 20.0 pages/s, 49s left\u{1B}[K"
        + "\rkdsl-ocr: 12/1000 pages (1%), 20.0 pages/s, 49s left\u{1B}[K"
        + "\rkdsl-ocr: 12/1000 pages in 1s, 12.0 pages/s\u{1B}[K\n")
}

@Test func unknownTotalOmitsPercentAndTimeLeft() throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "images", total: nil, fd: fd, interval: 1, isTerminal: false, clock: { clock.now })
        clock.now = 1; progress.advance(by: 3)
        clock.now = 2; progress.finish()
    }
    #expect(text == "kdsl-ocr: 3 images, 3.0 images/s\nkdsl-ocr: 3 images in 2s, 1.5 images/s\n")
}

@Test func finishAfterALongQuietRunStillPrintsTheSummary() throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "images", total: 2, fd: fd, isTerminal: false, clock: { clock.now })
        clock.now = 6; progress.finish()
    }
    #expect(text == "kdsl-ocr: 0/2 images in 6s, 0.00 images/s\n")
}

@Test(arguments: [false, true])
func concurrentAdvancesCountExactly(terminal: Bool) throws {
    // The real clock and a tiny interval, so threads also race to print.
    let threads = 8, each = 10_000
    var final = 0
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "images", total: threads * each, fd: fd,
                                interval: 0.0005, isTerminal: terminal)
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            Thread { for _ in 0..<each { progress.advance() }; group.leave() }.start()
        }
        group.wait()
        final = progress.done
        progress.finish()
    }
    #expect(final == threads * each)
    let lines = text.split(separator: terminal ? "\r" : "\n", omittingEmptySubsequences: true)
    #expect(lines.last?.hasPrefix("kdsl-ocr: 80000/80000 images in ") == true)
    // Every line is whole: no write was split or interleaved with another.
    for line in lines { #expect(line.hasPrefix("kdsl-ocr: ") && line.filter { $0 == ":" }.count == 1) }
}

@Test func whatRateAndDetailShapeTheLine() {
    let epochs = Reporter(stage: "kdsl-model", what: #"task "intent": training"#, unit: "epochs", total: 100, fd: -1, isTerminal: false, clock: { 0 })
    #expect(epochs.status(done: 40, elapsed: 40 / 3.1, detail: "loss 0.2314")
        == #"kdsl-model: task "intent": training: 40/100 epochs (40%), 3.1 epochs/s, loss 0.2314, 19s left"#)
    #expect(epochs.summary(done: 100, elapsed: 32, detail: "loss 0.1000")
        == #"kdsl-model: task "intent": training: 100/100 epochs in 32s, 3.1 epochs/s, loss 0.1000"#)
    let folds = Reporter(stage: "kdsl-model", unit: "folds", total: 5, fd: -1, rate: false, isTerminal: false, clock: { 0 })
    #expect(folds.status(done: 1, elapsed: 42) == "kdsl-model: 1/5 folds (20%), 2m48s left")
    #expect(folds.summary(done: 5, elapsed: 210) == "kdsl-model: 5/5 folds in 3m30s")
}

@Test func detailIsOnlyComputedForAPrintedLine() throws {
    let clock = ScriptedClock()
    nonisolated(unsafe) var asked = 0
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-rules", unit: "searches", total: 10, fd: fd, interval: 1, isTerminal: false, clock: { clock.now })
        for t in [0.2, 0.4, 1.5] { clock.now = t; progress.advance { asked += 1; return "\(asked) rules" } }
    }
    #expect(asked == 1)
    #expect(text == "kdsl-rules: 3/10 searches (30%), 2.0 searches/s, 1 rules, 3s left\n")
}

@Test(arguments: [false, true])
func everyUnitPrintsALineOfItsOwnForEachUnit(terminal: Bool) throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-model", unit: "folds", total: 2, fd: fd, rate: false, everyUnit: true, isTerminal: terminal, clock: { clock.now })
        clock.now = 0.01; progress.advance { "fold a" }
        clock.now = 0.02; progress.advance { "fold b" }
        clock.now = 0.03; progress.finish()
    }
    // On a terminal each line first clears the row a live line may hold, and stays.
    let clear = terminal ? "\r\u{1B}[K" : ""
    let end = terminal ? "\u{1B}[K\n" : "\n"
    #expect(text == "\(clear)kdsl-model: 1/2 folds (50%), fold a, 0s left\n\(clear)kdsl-model: 2/2 folds (100%), fold b\n"
        + "\(terminal ? "\r" : "")kdsl-model: 2/2 folds in 0s\(end)")
}

@Test func quietPrintsNothing() throws {
    let clock = ScriptedClock()
    let text = try captured { fd in
        let progress = Reporter(stage: "kdsl-ocr", unit: "images", total: 10, fd: fd, everyUnit: true, interval: 0, isTerminal: false,
                                clock: { clock.now }, quiet: true)
        for t in 1...10 { clock.now = Double(t); progress.advance() }
        progress.finish()
    }
    #expect(text == "")
}
