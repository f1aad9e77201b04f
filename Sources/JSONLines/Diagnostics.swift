import Basics

/// Exit statuses shared by every stage (see docs/records.md, "Errors and exit status").
public enum ExitStatus: Int32 {
    /// All records processed; also `--help` and a downstream pipe that closed.
    case ok = 0
    /// One or more bad records were reported (and forwarded with an `error` field).
    case badRecords = 1
    /// Usage or setup error: bad flag, unreadable or invalid rule/model file, failed write.
    case setup = 2
}

/// A setup or usage failure: the stage cannot run at all. The entry point prints it and exits 2.
public struct SetupError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A problem with one record. The stream reports it, forwards the record with an `error` field,
/// and the run exits 1 at the end (or stops at once under `--strict`).
public struct RecordError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where a record came from, for messages: `FILE: line N` (or `line N` on stdin).
public struct SourceLocation: Sendable, CustomStringConvertible {
    /// The input name; `nil` or `-` for stdin.
    public let file: String?
    /// 1-based line number within `file`.
    public let line: Int
    public init(file: String?, line: Int) { self.file = file; self.line = line }
    public var description: String {
        if let file, file != "-" { return "\(file): line \(line)" }
        return "line \(line)"
    }
}

/// Writes `kdsl-<stage>: message` lines to stderr and counts reported problems.
/// One per process: stages call `Diagnostics.shared`.
public final class Diagnostics: @unchecked Sendable {
    /// The process-wide instance; set `stage` once at start-up.
    public static let shared = Diagnostics()

    /// The stage name used as prefix, e.g. `kdsl-score`.
    public var stage = "kdsl"
    /// Number of bad records reported so far; a non-zero count makes the run exit 1.
    public private(set) var badRecords = 0
    /// Number of warnings (not errors) reported so far.
    public private(set) var warnings = 0
    private let lock = Mutex()

    /// Reports a bad record at `location` and counts it.
    public func recordError(_ message: String, at location: SourceLocation) {
        lock.locked { badRecords += 1 }
        emit("\(location): \(escapedForTerminal(message))")
    }

    /// Reports a warning that does not make the run fail (e.g. a label seen once).
    public func warning(_ message: String, at location: SourceLocation? = nil) {
        lock.locked { warnings += 1 }
        let message = escapedForTerminal(message)
        if let location { emit("\(location): warning: \(message)") } else { emit("warning: \(message)") }
    }

    /// `--quiet`: notes and progress are not printed; errors and warnings always are.
    public var quiet = false

    /// Prints an informational line (progress, summaries) on stderr, unless `quiet`.
    public func note(_ message: String) { if !quiet { emit(message) } }

    /// Whether a live progress line (`Progress` on a terminal) is on stderr's last row; a message
    /// then clears that row first, and the progress line is redrawn below it on its next tick.
    private var liveLine = false

    /// Set by a terminal `Progress` while its live line is shown.
    public func setLiveLine(_ on: Bool) { lock.locked { liveLine = on } }

    /// Writes `kdsl-<stage>: message\n` to stderr with one `write(2)` so lines from threads do not
    /// mix. Control characters in `message` (a label, a path, a literal it quotes) are escaped
    /// (`escapedForTerminal`); its own newlines are kept (a usage message spans lines).
    public func emit(_ message: String) {
        let clear = lock.locked { liveLine } ? "\r\u{1B}[K" : ""
        let line = "\(clear)\(stage): \(escapedForTerminal(message, newlines: true))\n"
        // A line that cannot be written is dropped: there is nowhere left to report it.
        writeAll(Array(line.utf8), to: 2)
    }

    /// The exit status the run has earned so far: 1 when any bad record was reported, else 0.
    public var status: ExitStatus { badRecords > 0 ? .badRecords : .ok }
}
