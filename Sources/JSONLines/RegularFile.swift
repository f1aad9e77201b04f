#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files a stage reads whole (models, rule files, images, PP-OCR's networks) must be regular
/// files, after following links: a FIFO would block the stage forever waiting for a writer, and
/// a device such as /dev/zero never ends, so a reader that grows its buffer would grow without
/// bound. Record inputs are not held to this (a pipe or `<(...)` is their ordinary source).
public enum RegularFile {
    /// Opens `path` read-only if it is a regular file; otherwise the reason, in the words every
    /// stage reports (the system's message, `is a directory`, `not a regular file (a FIFO)`).
    /// The file is opened without blocking, so a FIFO with no writer is refused, not waited on.
    public static func open(_ path: String) -> Result<Int32, RegularFileError> {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { return .failure(RegularFileError(String(cString: strerror(errno)))) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            Glibc.close(fd)
            return .failure(RegularFileError(String(cString: strerror(e))))
        }
        if let why = problem(mode: st.st_mode) {
            Glibc.close(fd)
            return .failure(RegularFileError(why))
        }
        // Reads of a regular file never block; the flag is cleared all the same, for clarity.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .success(fd)
    }

    /// Why `path` is not a readable regular file (after links), or nil; nothing is opened.
    public static func check(_ path: String) -> String? {
        switch open(path) {
        case .success(let fd): Glibc.close(fd); return nil
        case .failure(let e): return e.message
        }
    }

    /// `is a directory`, `not a regular file (a FIFO)` and the like; nil for a regular file.
    public static func problem(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory"
        case S_IFIFO: return "not a regular file (a FIFO)"
        case S_IFCHR: return "not a regular file (a character device)"
        case S_IFBLK: return "not a regular file (a block device)"
        case S_IFSOCK: return "not a regular file (a socket)"
        default: return "not a regular file"
        }
    }
}

/// Why a file is not read: a short reason without the path, for the caller to put after it.
public struct RegularFileError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
