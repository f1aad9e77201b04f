import Synchronization

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
/// are passed on without waiting for a full buffer; and a record that ends once a second has
/// ticked since the last write is written at once with what is buffered, so a slow stage (OCR, a
/// second a record) writing to a file loses about a second of work at most when it is stopped,
/// while a fast one still writes 256 KiB blocks (`FlushClock`: one relaxed load a record). SIGPIPE is ignored at start;
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
    /// `FlushClock`'s tick when the buffer was last written out.
    private var lastTick = 0

    init(fd: Int32) {
        self.fd = fd
        self.interactive = isatty(fd) == 1
        buffer.reserveCapacity(limit + 4096)
        signal(SIGPIPE, SIG_IGN)
        lastTick = FlushClock.now
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

    /// Marks the end of one record (the caller has written its newline): flushes on a terminal,
    /// when the buffer is full, and when `FlushClock` has ticked since the last write.
    @inline(__always)
    public func endRecord() {
        if interactive || buffer.count >= limit || FlushClock.now != lastTick { flush() }
    }

    /// Writes out everything buffered.
    public func flush() {
        lastTick = FlushClock.now
        if buffer.isEmpty { return }
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

/// A counter a background thread advances once a second, started with the first output: reading
/// it costs one relaxed atomic load, where reading a clock at every record would cost 16 ns (a
/// few percent of the fastest stages' time per record).
enum FlushClock {
    private static let ticks = Atomic<Int>(0)
    private static let started: Bool = {
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { _ in
            while true {
                sleep(1)
                FlushClock.ticks.add(1, ordering: .relaxed)
            }
        }, nil)
        if rc == 0 { pthread_detach(tid) }
        return rc == 0
    }()

    /// The current tick (starting the ticking thread on first use).
    @inline(__always) static var now: Int {
        _ = started
        return ticks.load(ordering: .relaxed)
    }
}
