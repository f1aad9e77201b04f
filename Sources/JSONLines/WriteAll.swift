#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes every byte of `bytes` to `fd`: `write(2)` again after a partial write and after one a
/// signal interrupted (EINTR). Returns nil when all is written, else the `errno` of the write that
/// failed, or 0 when a write wrote nothing. The one write loop behind standard output, the
/// diagnostic and progress lines on stderr and `AtomicFile`; each decides what a failure means.
@discardableResult
func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32? {
    var off = 0
    while off < bytes.count {
        let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
        if n > 0 { off += n; continue }
        if n < 0 && errno == EINTR { continue }
        return n < 0 ? errno : 0
    }
    return nil
}

/// `writeAll` of an array's bytes.
@discardableResult
func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
    bytes.withUnsafeBytes { writeAll($0, to: fd) }
}
