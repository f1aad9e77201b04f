#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing an output file (`--out`) so that a reader never sees half of it.
public enum AtomicFile {
    /// Writes `bytes` to `path`: to a temporary file beside the target, fsync, then rename over it,
    /// so a failed run leaves the old file in place. A symbolic link is followed (the file it
    /// names is replaced, the link stays); a target that exists and is not a regular file (a
    /// device such as /dev/stdout, a FIFO) is written in place, since it cannot be replaced.
    /// A link in a loop of links (or a chain longer than 40) is a setup error: there is no file to
    /// replace. The temporary file is `NAME.tmp.PID`; one left by a process that no longer runs
    /// (killed during a write, or stopped by a file size limit) is removed by the next write to
    /// the same target. Throws `SetupError` naming `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        guard let target = resolved(path) else {
            throw SetupError("\(path): too many levels of symbolic links (a loop?); nothing written")
        }
        var st = stat()
        if stat(target, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            let fd = open(target, O_WRONLY)
            if fd < 0 { throw SetupError("\(path): \(String(cString: strerror(errno)))") }
            let failure = writeFailure(bytes, to: fd)
            if close(fd) != 0 && failure == nil { throw SetupError("\(path): writing failed: \(String(cString: strerror(errno)))") }
            if let failure { throw SetupError("\(path): writing failed: \(failure)") }
            return
        }
        removeStaleTemporaries(of: target)
        let tmp = target + ".tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw SetupError("\(path): cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var failure = writeFailure(bytes, to: fd)
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil && rename(tmp, target) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(tmp)
            throw SetupError("\(path): writing failed: \(failure)")
        }
    }

    /// `path` with symbolic links followed, also when the last link dangles (the file it names is
    /// then created); `path` itself when it is not a link; nil after 40 links (ELOOP's limit).
    static func resolved(_ path: String) -> String? {
        var current = path
        for _ in 0..<40 {  // ELOOP's limit
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("/") {
                current = link
            } else if let slash = current.lastIndex(of: "/") {
                current = String(current[...slash]) + link
            } else {
                current = link
            }
        }
        var st = stat()
        return lstat(current, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK ? nil : current
    }

    /// Removes `TARGET.tmp.PID` files beside `target` whose process is gone (`kill(PID, 0)` fails
    /// with ESRCH): what a write killed half-way leaves. Files of live processes stay.
    static func removeStaleTemporaries(of target: String) {
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[...$0]) } ?? ""
        let prefix = (slash.map { String(target[target.index(after: $0)...]) } ?? target) + ".tmp."
        guard let dir = opendir(directory.isEmpty ? "." : directory) else { return }
        defer { closedir(dir) }
        let me = getpid()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix) else { continue }
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let pid = Int32(digits), pid > 0, pid != me else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + name) }
        }
    }

    /// Writes every byte (`writeAll`); what went wrong, or nil.
    private static func writeFailure(_ bytes: [UInt8], to fd: Int32) -> String? {
        writeAll(bytes, to: fd).map { $0 == 0 ? "short write" : String(cString: strerror($0)) }
    }
}
