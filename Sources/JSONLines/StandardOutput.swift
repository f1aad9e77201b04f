#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Block-buffered standard output written with `write(2)`.
///
/// Contract: bytes are buffered (256 KiB) and written in large blocks; when stdout is a terminal
/// every `endRecord()` flushes, so a person sees records as they come. The record loops also flush
/// before they wait for input (`LineReader.nextLine(beforeWaiting:)`), so a slow producer's records
/// are passed on without waiting for a full buffer. SIGPIPE is ignored at start;
/// a write that fails with EPIPE (the reader went away, e.g. `| head -1`) ends the process quietly
/// with status 0; any other write failure prints a message and exits 2 (both through `StageEnd`,
/// whose handler the entry point installs). `finish()` flushes before the entry point exits.
public final class StandardOutput: @unchecked Sendable {
    /// The process-wide writer for fd 1.
    public static let shared = StandardOutput(fd: 1)

    private let fd: Int32
    private var buffer: [UInt8] = []
    private let limit = 1 << 18
    private let interactive: Bool

    init(fd: Int32) {
        self.fd = fd
        self.interactive = isatty(fd) == 1
        buffer.reserveCapacity(limit + 4096)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Appends raw bytes.
    @inline(__always)
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    /// Appends raw bytes.
    @inline(__always)
    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    /// Lets `body` append bytes straight into the buffer, saving a copy per record.
    @inline(__always)
    func append(_ body: (inout [UInt8]) throws -> Void) rethrows {
        try body(&buffer)
    }

    /// Appends `record` and a newline, serialised straight into the buffer.
    @inline(__always)
    func append(_ record: Record) {
        record.serialize(into: &buffer)
        buffer.append(0x0A)
    }

    /// Appends the UTF-8 of `text`.
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    /// Marks the end of one record (the caller has written its newline): flushes on a terminal.
    @inline(__always)
    public func endRecord() {
        if interactive || buffer.count >= limit { flush() }
    }

    /// Writes out everything buffered.
    public func flush() {
        let failure = writeAll(buffer, to: fd)
        // Nothing buffered can be written any more: drop it, so the ending does not retry.
        buffer.removeAll(keepingCapacity: true)
        guard let failure else { return }
        if failure == EPIPE { StageEnd.now(.outputClosed) }  // downstream closed: stop quietly
        StageEnd.now(.setupFailure("writing output failed: \(failure == 0 ? "short write" : String(cString: strerror(failure)))"))
    }

    /// Flushes; exits 2 with a message if the final write fails (a full disk is not success).
    public func finish() { flush() }
}
