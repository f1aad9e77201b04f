#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a file descriptor into lines with large `read(2)` calls and `memchr`, without converting
/// lines to `String`. A line is handed out as a buffer pointer valid only during the callback.
///
/// Contract: the trailing `\n` and one `\r` before it (CRLF) are removed; a last line without
/// newline is still a line; lines may be arbitrarily long (the buffer grows) and may hold any bytes,
/// NUL and invalid UTF-8 included. Line numbers count every physical line, blank ones too.
public struct LineReader {
    private let fd: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0   // first unconsumed byte
    private var end = 0     // one past the last valid byte
    private var scanned = 0 // bytes in start..<scanned are known to hold no newline
    private var eof = false
    private var regular: Bool?  // the input is a regular file (reads never wait); nil: not asked yet
    /// The number of the line most recently returned (1-based).
    public private(set) var lineNumber = 0

    /// Reads from `fd` (not closed by the reader) with an initial buffer of `chunk` bytes.
    public init(fd: Int32, chunk: Int = 1 << 20) {
        self.fd = fd
        // A zero-sized buffer would never grow (0 * 2) and read(2) of 0 bytes looks like EOF.
        self.capacity = max(chunk, 1)
        self.buffer = .allocate(capacity: capacity)
    }

    /// Frees the buffer; call once when done.
    public mutating func close() { buffer.deallocate(); capacity = 0 }

    /// Calls `body` with each line in turn. Throws `SetupError` when `read(2)` fails.
    public mutating func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        while let (line, number) = try nextLine() { try body(line, number) }
    }

    /// The next line and its number, or nil at the end of input. The bytes are valid until the
    /// next call (the buffer may move). Throws `SetupError` when `read(2)` fails.
    public mutating func nextLine() throws -> (line: UnsafeBufferPointer<UInt8>, number: Int)? {
        try nextLine(watching: false, beforeWaiting: {})
    }

    /// As `nextLine()`, but calls `beforeWaiting` first when the next line needs a `read(2)` that
    /// would wait: the input is a pipe or terminal with nothing ready. A batching reader hands out
    /// what it holds then, so a slow producer's records are not kept waiting for a full batch.
    mutating func nextLine(beforeWaiting: () throws -> Void) throws -> (line: UnsafeBufferPointer<UInt8>, number: Int)? {
        try nextLine(watching: true, beforeWaiting: beforeWaiting)
    }

    @inline(__always)
    private mutating func nextLine(watching: Bool, beforeWaiting: () throws -> Void) throws -> (line: UnsafeBufferPointer<UInt8>, number: Int)? {
        while true {
            if let nl = memchr(buffer + scanned, 0x0A, end - scanned) {
                let nlIndex = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                var lineEnd = nlIndex
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                lineNumber += 1
                let line = UnsafeBufferPointer(start: buffer + start, count: lineEnd - start)
                start = nlIndex + 1
                scanned = start
                return (line, lineNumber)
            }
            // No newline up to `end`: remember that, so a long line is not searched again.
            scanned = end
            if eof {
                guard end > start else { start = 0; end = 0; scanned = 0; return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                lineNumber += 1
                let line = UnsafeBufferPointer(start: buffer + start, count: lineEnd - start)
                start = end
                return (line, lineNumber)
            }
            if watching && mayWait() { try beforeWaiting() }
            try fill()
        }
    }

    /// True when a `read(2)` now would block: not a regular file, and `poll` sees nothing ready.
    private mutating func mayWait() -> Bool {
        if regular == nil {
            var st = stat()
            regular = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        }
        if regular! { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 0
    }

    /// Moves the unconsumed tail to the front, grows the buffer if a line fills it, and reads more.
    private mutating func fill() throws {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            scanned -= start
            start = 0; end = pending
        }
        if end == capacity {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        while true {
            let n = read(fd, buffer + end, capacity - end)
            if n > 0 { end += n; return }
            if n == 0 { eof = true; return }
            if errno == EINTR { continue }
            throw SetupError("read failed: \(String(cString: strerror(errno)))")
        }
    }
}

extension LineReader {
    /// Reads input `path` (`-`: stdin): opens it, hands `body` a reader over it and the name for
    /// messages (nil for stdin), then closes it (stdin stays open). A path that cannot be opened
    /// or is a directory is a `SetupError` naming it: `PATH: No such file or directory`,
    /// `PATH: is a directory`. The one way kdsl opens a JSON Lines input.
    public static func withInput<T>(_ path: String, _ body: (inout LineReader, String?) throws -> T) throws -> T {
        var fd: Int32 = 0
        if path != "-" {
            fd = open(path, O_RDONLY)
            if fd < 0 { throw SetupError("\(path): \(String(cString: strerror(errno)))") }
            var st = stat()
            if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(fd)
                throw SetupError("\(path): is a directory")
            }
        }
        defer { if fd != 0 { Glibc.close(fd) } }
        var reader = LineReader(fd: fd)
        defer { reader.close() }
        return try body(&reader, path == "-" ? nil : path)
    }
}
