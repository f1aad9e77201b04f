#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A line that could not become a record: not JSON, or JSON but not an object.
public struct MalformedLine: Sendable {
    /// The raw bytes of the line.
    public let bytes: [UInt8]
    public let location: SourceLocation
    public let message: String
    public init(bytes: [UInt8], location: SourceLocation, message: String) {
        self.bytes = bytes
        self.location = location
        self.message = message
    }
}

/// What the reader yields for each non-blank line.
public enum RecordInput: Sendable {
    case record(Record)
    case malformed(MalformedLine)
}

/// Reads records from files and/or stdin.
///
/// Contract: `inputs` are paths, `-` meaning stdin; an empty list means stdin. Lines holding only
/// whitespace are skipped (they carry no record). Every other line yields a `.record` or a
/// `.malformed`, in input order, each with its file and line number. An unreadable input is a
/// `SetupError` (exit 2).
public enum RecordReader {
    public static func forEach(_ inputs: [String], _ body: (RecordInput) throws -> Void) throws {
        var scratch: [JSONScanner.Member] = []
        try forEachLine(inputs) { line, location in
            do {
                try body(.record(try Record(line: line, location: location, scratch: &scratch)))
            } catch let error as RecordError {
                try body(.malformed(MalformedLine(bytes: Array(line), location: location, message: error.message)))
            }
        }
    }

    /// The non-blank lines of `inputs` (none: stdin) with their locations (the bytes are valid
    /// during `body` only); an input that cannot be read is a `SetupError` naming it.
    public static func forEachLine(_ inputs: [String], _ body: (UnsafeBufferPointer<UInt8>, SourceLocation) throws -> Void) throws {
        try forEachInput(inputs) { reader, name in
            while let (line, number) = try reader.nextLine() {
                if isBlank(line) { continue }
                try body(line, SourceLocation(file: name, line: number))
            }
        }
    }

    /// Opens each input in turn and hands its reader and its name (nil for stdin) to `body`.
    static func forEachInput(_ inputs: [String], _ body: (inout LineReader, String?) throws -> Void) throws {
        for input in inputs.isEmpty ? ["-"] : inputs { try LineReader.withInput(input, body) }
    }

    /// A line holding only spaces, tabs and carriage returns: it carries no record.
    @inline(__always) public static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where !(c == 0x20 || c == 0x09 || c == 0x0D) { return false }
        return true
    }
}

/// Options every stage shares, filled from its command line.
public struct StreamOptions: Sendable {
    /// Stop at the first bad record (exit 1) instead of reporting it and carrying on.
    public var strict = false
    /// Input files; empty or `-` for stdin.
    public var inputs: [String] = []
    public init(strict: Bool = false, inputs: [String] = []) { self.strict = strict; self.inputs = inputs }
}

/// Runs a one-record-in, one-record-out stage over the inputs.
///
/// Contract: `transform` edits each record (usually one `set`). Malformed lines and records for
/// which `transform` throws `RecordError` are bad lines (`BadLine`): reported on stderr as
/// `kdsl-<stage>: line N: ...` and forwarded with an `error` field (an `error` already present
/// from an upstream stage is kept: the first failure is the one to fix); the run carries on and
/// exits 1, or stops after the first under `strict` (throwing `StageStop.strict`). A `SetupError`
/// ends the run with exit 2. `ParallelFilter` runs the same stage on several threads (this is its
/// one-job loop).
public func runFilter(_ options: StreamOptions, _ transform: (inout Record) throws -> Void) throws {
    try ParallelFilter(options, jobs: 1).runInline { record, _ in try transform(&record) }
}

/// Reads every record for a consuming stage (score, mine, train), reporting bad lines.
///
/// Contract: `body` sees each record in order. Malformed lines are reported and counted (the run
/// will exit 1), or end the run at once under `strict`. `body` may throw `RecordError` to report
/// a record it must leave out (same treatment: `BadLine.reject(strict:)`).
public func readAll(_ options: StreamOptions, _ body: (Record) throws -> Void) throws {
    try forEachRecord(options, body) { try $0.reject(strict: options.strict) }
}

/// As `readAll`, for a stage that reads every record first and then writes every line (kdsl-model
/// cv): each bad line is reported and its forwarded line (`BadLine`, no newline) handed to
/// `forward`, in input order among `body`'s calls; under `strict` the run stops after it.
public func readAll(_ options: StreamOptions, forward: ([UInt8]) throws -> Void, _ body: (Record) throws -> Void) throws {
    try forEachRecord(options, body) { try $0.reject(strict: options.strict, forward: forward) }
}

/// The consuming loop: `body` on each record in input order, `reject` on each bad line (a line
/// that is not a record, or a record for which `body` throws `RecordError`).
private func forEachRecord(_ options: StreamOptions, _ body: (Record) throws -> Void, reject: (BadLine) throws -> Void) throws {
    try RecordReader.forEach(options.inputs) { item in
        switch item {
        case .record(let record):
            do { try body(record) } catch let error as RecordError { try reject(.failed(record, message: error.message)) }
        case .malformed(let line):
            try reject(.malformed(line))
        }
    }
}
