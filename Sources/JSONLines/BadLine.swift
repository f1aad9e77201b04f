/// A line a stage cannot pass on as it is, and the one place that says what becomes of it
/// (docs/records.md, "Errors and exit status"): it is reported as `kdsl-<stage>: line N: message`
/// and counted (the run exits 1), the line forwarded in its place carries the `error` key
/// (`StageErrorValue`), and under `--strict` the run stops after it. Every record loop treats a
/// bad line through it: `runFilter` and `ParallelFilter` (whose workers build the forwarded line
/// with `appendForwarded` and leave the report and the stop to the writer thread, in input
/// order), `readAll` (and so kdsl-model cv, which forwards), and the stream benchmark's baseline.
public enum BadLine {
    /// A line that is not a record: forwarded as an object holding only `error`, the line's text
    /// as its `raw`.
    case malformed(MalformedLine)
    /// A record the stage failed on (`RecordError`, its message): forwarded as it stands, with
    /// `error` added unless it already has one (an upstream stage's: the first failure is the one
    /// to fix).
    case failed(Record, message: String)

    /// Where the line is.
    public var location: SourceLocation {
        switch self {
        case .malformed(let line): return line.location
        case .failed(let record, _): return record.location
        }
    }

    /// What is wrong with it.
    public var message: String {
        switch self {
        case .malformed(let line): return line.message
        case .failed(_, let message): return message
        }
    }

    /// Appends the line forwarded in its place (no newline), its `error` naming `stage`.
    public func appendForwarded(stage: String, into out: inout [UInt8]) {
        switch self {
        case .malformed(let line):
            let value = StageErrorValue(stage: stage, location: line.location, message: line.message, raw: line.bytes)
            JSON.object([(StageErrorValue.key, value.json)]).serialize(into: &out)
        case .failed(var record, let message):
            if !record.has(StageErrorValue.key) {
                record.set(StageErrorValue.key, StageErrorValue(stage: stage, location: record.location, message: message).json)
            }
            record.serialize(into: &out)
        }
    }

    /// The treatment on the reading thread: reports the line (`Diagnostics`), hands the line
    /// forwarded in its place (no newline) to `forward`, then stops the run under `strict`
    /// (`StageStop.strict`): the forwarded line goes out before the stop, as with `--jobs`.
    public func reject(strict: Bool, forward: ([UInt8]) throws -> Void) throws {
        let diagnostics = Diagnostics.shared
        diagnostics.recordError(message, at: location)
        var line: [UInt8] = []
        appendForwarded(stage: diagnostics.stage, into: &line)
        try forward(line)
        if strict { throw StageStop.strict }
    }

    /// As `reject(strict:forward:)` for a stage that writes no records (score, mine, train):
    /// reports the line, then stops the run under `strict`.
    public func reject(strict: Bool) throws {
        Diagnostics.shared.recordError(message, at: location)
        if strict { throw StageStop.strict }
    }
}
