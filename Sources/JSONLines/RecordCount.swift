#if canImport(Glibc)
import Glibc
#endif

/// How many records the inputs hold, for progress: the non-blank lines of regular files (read once
/// more, which costs far less than OCR or an encoder); nil when an input is stdin, a pipe or unreadable.
public enum RecordCount {
    public static func ofFiles(_ inputs: [String]) -> Int? {
        if inputs.isEmpty { return nil }
        var total = 0
        for path in inputs {
            if path == "-" { return nil }
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, let f = fopen(path, "rb") else { return nil }
            defer { fclose(f) }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var blank = true
            while true {
                let n = fread(&buffer, 1, buffer.count, f)
                if n == 0 { break }
                for i in 0..<n {
                    let c = buffer[i]
                    if c == 0x0A { if !blank { total += 1 }; blank = true }
                    else if c != 0x20 && c != 0x09 && c != 0x0D { blank = false }
                }
            }
            if !blank { total += 1 }
        }
        return total
    }
}
