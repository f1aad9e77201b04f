import Basics
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress line on stderr for a stage whose units are slow (images, epochs, searches), so a
/// user watching a minutes-long run sees how far it is and how long is left:
/// `kdsl-ocr: 120/828 images (14%), 3.6 images/s, 3m16s left` (`kdsl-ocr: 120 images, 3.6 images/s`
/// when the total is unknown); with what is being done and a detail of the caller's:
/// `kdsl-model: task "intent": training: 40/100 epochs (40%), 3.1 epochs/s, loss 0.2314, 19s left`.
///
/// - On a terminal the line is rewritten in place (`\r`, text, `ESC[K`) at most once per
///   `interval` (default 0.1 s). Otherwise a plain line is written once per `interval` (default
///   5 s), and nothing at all when the work ends before the first interval, so logs stay short.
///   `KDSL_PROGRESS_INTERVAL=SECONDS` in the environment replaces both defaults (0: a line at
///   every unit; the CLI tests use it to see progress from short runs).
/// - `everyUnit`: each unit gets a line of its own, on a terminal too, whatever the interval: for
///   units that take seconds or more each (cross-validation folds).
/// - Nothing at all under `--quiet` (`Diagnostics.quiet`, read when the progress is made).
/// - No background thread: `advance` reads the clock on every call (one
///   `clock_gettime(CLOCK_MONOTONIC)`, tens of nanoseconds, nothing next to one unit of work) and
///   the call that finds the interval elapsed prints. The counter's lock is not held while
///   writing, and a thread that finds another one writing skips its turn, so a slow stderr stalls
///   at most one worker.
/// - Writes only to `fd`, each line with one `write(2)`, never to stdout.
public final class Progress: @unchecked Sendable {
    private let prefix: String, unit: String, total: Int?, fd: Int32, showsRate: Bool, everyUnit: Bool, silent: Bool
    private let terminal: Bool, interval: Double, clock: () -> Double, start: Double

    private let lock = Mutex()
    private var count = 0, nextDue: Double, printed = false, finished = false  // under `lock`
    /// Held while writing; `closed` (set by `finish`) is read and written under it only.
    private let printLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var closed = false

    /// Starts the clock for a run of `total` units (`nil` when unknown) named `unit` in messages
    /// (a plural noun: `images`). `stage` prefixes every line as in all kdsl messages, then `what`
    /// (what the units are for, e.g. `task "intent": training`) when given. `rate: false` leaves
    /// the units per second out (folds: "0.01 folds/s" says nothing the time left does not).
    /// `interval` is the time between lines in seconds (default `KDSL_PROGRESS_INTERVAL`, else 0.1
    /// on a terminal, 5 otherwise); `isTerminal` defaults to `isatty(fd)`; `clock` returns
    /// monotonic seconds (default CLOCK_MONOTONIC) and is only injected by tests; `quiet` prints
    /// nothing at all. Prints nothing yet.
    public init(stage: String = Diagnostics.shared.stage, what: String? = nil, unit: String, total: Int?, fd: Int32 = 2,
                rate: Bool = true, everyUnit: Bool = false, interval: Double? = nil, isTerminal: Bool? = nil,
                clock: (() -> Double)? = nil, quiet: Bool = Diagnostics.shared.quiet) {
        self.prefix = what.map { "\(stage): \(escapedForTerminal($0))" } ?? stage
        self.unit = unit
        self.total = total
        self.fd = fd
        self.showsRate = rate
        self.everyUnit = everyUnit
        self.silent = quiet
        self.terminal = isTerminal ?? (isatty(fd) == 1)
        self.interval = interval ?? Progress.intervalFromEnvironment ?? (terminal ? 0.1 : 5)
        self.clock = clock ?? MonotonicClock.seconds
        self.start = self.clock()
        self.nextDue = start + self.interval
        pthread_mutex_init(printLock, nil)
    }

    deinit {
        pthread_mutex_destroy(printLock)
        printLock.deallocate()
    }

    /// Counts `n` more units done; safe to call from any number of threads at once. Prints the
    /// progress line when the interval since the last line (or the start) has elapsed (with
    /// `everyUnit`, always), ending it with `detail()` when given (called only then).
    public func advance(by n: Int = 1, detail: (() -> String)? = nil) {
        let due: (done: Int, elapsed: Double)? = lock.locked {
            count += n
            let now = clock()
            guard !finished, !silent, everyUnit || now >= nextDue else { return nil }
            nextDue = now + interval
            printed = true
            return (count, now - start)
        }
        guard let due, pthread_mutex_trylock(printLock) == 0 else { return }
        defer { pthread_mutex_unlock(printLock) }
        if closed { return }
        let line = status(done: due.done, elapsed: due.elapsed, detail: detail?())
        if everyUnit {
            // A line of its own, below a live line another progress may have drawn.
            put(terminal ? "\r\u{1B}[K\(line)\n" : "\(line)\n")
            return
        }
        put(terminal ? "\r\(line)\u{1B}[K" : "\(line)\n")
        if terminal && fd == 2 { Diagnostics.shared.setLiveLine(true) }
    }

    /// The number of units counted so far.
    public var done: Int { lock.locked { count } }

    /// Ends the run: prints the summary `kdsl-ocr: 828/828 images in 3m50s, 3.6 images/s` (and
    /// `detail`) when a progress line was printed before or the run took at least one interval (on
    /// a terminal it replaces the live line and ends it with a newline). Later calls, and later
    /// `advance` lines, print nothing.
    public func finish(detail: String? = nil) {
        let (done, elapsed, wasPrinted, first): (Int, Double, Bool, Bool) = lock.locked {
            defer { finished = true }
            return (count, clock() - start, printed, !finished)
        }
        // Blocking here waits out a line being written, so the summary is always last.
        pthread_mutex_lock(printLock)
        defer { pthread_mutex_unlock(printLock) }
        closed = true
        if terminal && fd == 2 { Diagnostics.shared.setLiveLine(false) }
        guard first, !silent, wasPrinted || elapsed >= interval else { return }
        let line = summary(done: done, elapsed: elapsed, detail: detail)
        put(terminal ? "\r\(line)\u{1B}[K\n" : "\(line)\n")
    }

    /// The progress line for `done` units after `elapsed` seconds, without `\r` or newline.
    func status(done: Int, elapsed: Double, detail: String? = nil) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\(prefix): "
        if let total {
            let percent = total > 0 ? min(100, done * 100 / total) : 100
            line += "\(done)/\(total) \(unit) (\(percent)%)"
        } else {
            line += "\(done) \(unit)"
        }
        if showsRate { line += ", \(Progress.rate(rate)) \(unit)/s" }
        if let detail { line += ", \(detail)" }
        if let total, rate > 0, done < total { line += ", \(Progress.duration(Double(total - done) / rate)) left" }
        return line
    }

    /// The closing line for `done` units after `elapsed` seconds, without `\r` or newline.
    func summary(done: Int, elapsed: Double, detail: String? = nil) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let count = total.map { "\(done)/\($0)" } ?? "\(done)"
        var line = "\(prefix): \(count) \(unit) in \(Progress.duration(elapsed))"
        if showsRate { line += ", \(Progress.rate(rate)) \(unit)/s" }
        if let detail { line += ", \(detail)" }
        return line
    }

    /// `KDSL_PROGRESS_INTERVAL`: seconds between progress lines, replacing the defaults when it
    /// is a number ≥ 0 (for tests and for logs that want more or fewer lines).
    static let intervalFromEnvironment: Double? = {
        guard let v = getenv("KDSL_PROGRESS_INTERVAL"), let seconds = Double(String(cString: v)), seconds >= 0, seconds.isFinite else { return nil }
        return seconds
    }()

    /// Whole seconds as `45s`, `3m16s` or `1h02m` (truncated, never negative).
    static func duration(_ seconds: Double) -> String {
        let s = seconds.isFinite ? Int(max(0, min(seconds, 1e9))) : 0
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(two(s % 60))s" }
        return "\(s / 3600)h\(two(s / 60 % 60))m"
    }

    /// A rate with the decimals that matter: `0.42`, `3.6`, `12.5`, `250`.
    static func rate(_ r: Double) -> String {
        Decimals.fixed(max(0, min(r, 1e12)), places: r >= 100 ? 0 : r >= 1 ? 1 : 2)
    }

    /// Writes `text` to `fd` with as few `write(2)` calls as it takes (one, for a line), as
    /// `Diagnostics.emit` does; a failed write is dropped, progress is not worth failing a run for.
    private func put(_ text: String) { writeAll(Array(text.utf8), to: fd) }
}
