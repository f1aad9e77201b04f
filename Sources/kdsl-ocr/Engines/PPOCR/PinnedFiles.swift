import InstallLayout
import JSONLines

#if canImport(Glibc)
import Glibc
#endif

/// The files kdsl-ocr's PP-OCR engine loads, checked before they are used: a damaged model is
/// read by OpenVINO without a word (a zeroed block of weights gives garbled text and exit 0), and
/// a shared library cut short is mapped past its end and kills the process with SIGBUS.
enum PinnedFiles {
    /// The sha256 of each model file of the pinned set (rapidocr_onnxruntime 1.4.4, unpacked by
    /// deps/fetch.sh; `sha256sum` gives the same), by file name.
    static let models: [String: String] = [
        PPOCRModels.defaultDetector: "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
        PPOCRModels.defaultRecognizer: "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
        PPOCRModels.defaultClassifier: "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    ]

    /// How to replace a damaged file: from the build's deps folder, unpack it again; from an
    /// installed share/kdsl/, install again.
    static var reinstall: String {
        DataDirectory.isInstalled ? DataDirectory.remedy
            : "remove it and the .unpacked-* stamps of the deps folder, then run `make deps` to unpack it again"
    }

    /// Checks one model file against the pinned digest of `name` (its role's default file name).
    /// A file from the default place that is not the pinned one is damaged: a setup error. A file
    /// the user chose on the command line (`--models`, `--det-model`...) may be another model: a
    /// note names it, and it is used.
    static func checkModel(_ path: String, name: String, what: String, chosen: Bool) throws(EngineSetupError) {
        guard let pinned = models[name] else { return }
        let digest: String
        switch SHA256.hexDigest(ofFile: path) {
        case .success(let d): digest = d
        case .failure(let e): throw EngineSetupError("the PP-OCR \(what) model \(path) cannot be read (\(e.message))")
        }
        if digest == pinned { return }
        if chosen {
            Diagnostics.shared.note("\(path) is not the pinned PP-OCRv4 \(what) model (\(name), sha256 \(pinned.prefix(12))…; this file's is \(digest.prefix(12))…); using it as given")
            return
        }
        throw EngineSetupError("the PP-OCR \(what) model \(path) is damaged: its sha256 is \(digest), the pinned \(name)'s is \(pinned); "
            + reinstall)
    }

    /// Why the shared library at `path` cannot be mapped whole, or nil: it must be an ELF file
    /// whose program headers, loadable segments and section headers all lie inside it (dlopen
    /// maps the segments, and touching a page past the end of a cut file is SIGBUS).
    static func elfProblem(_ path: String) -> String? {
        let fd: Int32
        switch RegularFile.open(path) {
        case .success(let f): fd = f
        case .failure(let e): return e.message
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return String(cString: strerror(errno)) }
        let size = UInt64(st.st_size)
        func read(_ count: Int, at offset: UInt64) -> [UInt8]? {
            var b = [UInt8](repeating: 0, count: count)
            let n = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(offset)) }
            return n == count ? b : nil
        }
        func u(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64 { (0..<width).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }
        guard let h = read(64, at: 0), h[0] == 0x7F, h[1] == 0x45, h[2] == 0x4C, h[3] == 0x46 else {
            return "not an ELF shared library (\(size) bytes)"
        }
        guard h[4] == 2, h[5] == 1 else { return "not a 64-bit little-endian ELF file" }
        let phoff = u(h, 0x20, 8), shoff = u(h, 0x28, 8)
        let phentsize = u(h, 0x36, 2), phnum = u(h, 0x38, 2), shentsize = u(h, 0x3A, 2), shnum = u(h, 0x3C, 2)
        let cut = "cut short: \(size) bytes"
        guard phoff + phnum * phentsize <= size else { return "\(cut), its program headers end at byte \(phoff + phnum * phentsize)" }
        guard shoff == 0 || shoff + shnum * shentsize <= size else { return "\(cut), its section headers end at byte \(shoff + shnum * shentsize)" }
        guard phentsize >= 56, let table = read(Int(phnum * phentsize), at: phoff) else { return "its program headers cannot be read" }
        for i in 0..<Int(phnum) {
            let e = i * Int(phentsize)
            // PT_LOAD: mapped from the file.
            if u(table, e, 4) == 1 {
                let end = u(table, e + 8, 8) + u(table, e + 32, 8)
                if end > size { return "\(cut), a loadable segment ends at byte \(end)" }
            }
        }
        return nil
    }

    /// Checks the OpenVINO libraries in the folder of `libraryPath` (the C API, the runtime, TBB,
    /// the CPU plugin and the ONNX reader it opens later) before anything is loaded.
    static func checkRuntime(libraryPath: String) throws(EngineSetupError) {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(libraryPath, &buffer) != nil else { return }  // missing: dlopen says so
        let resolved = String(cString: buffer)
        let folder = resolved.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var files = [resolved]
        if let dir = opendir(folder.isEmpty ? "/" : folder) {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                let path = folder + "/" + name
                guard name.hasPrefix("libopenvino") || name.hasPrefix("libtbb"), name.contains(".so"), path != resolved else { continue }
                var st = stat()
                // Links (libopenvino_c.so → libopenvino_c.so.2641) are checked through their target.
                guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                files.append(path)
            }
        }
        for path in files.sorted() {
            if let why = elfProblem(path) {
                throw EngineSetupError("the OpenVINO runtime file \(path) is damaged (\(why)); "
                    + reinstall + ", or use --engine tesseract")
            }
        }
    }
}

/// SHA-256 (FIPS 180-4), to check model files against their pinned digests.
struct SHA256 {
    private var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
        0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
        0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        length += UInt64(bytes.count)
        var i = 0
        if !pending.isEmpty {
            while i < bytes.count && pending.count < 64 { pending.append(bytes[i]); i += 1 }
            if pending.count < 64 { return }
            pending.withUnsafeBufferPointer { block($0.baseAddress!) }
            pending.removeAll(keepingCapacity: true)
        }
        while i + 64 <= bytes.count { block(bytes.baseAddress! + i); i += 64 }
        while i < bytes.count { pending.append(bytes[i]); i += 1 }
    }

    mutating func finish() -> [UInt8] {
        var tail: [UInt8] = [0x80]
        let used = Int(length % 64)
        tail += [UInt8](repeating: 0, count: (used < 56 ? 55 - used : 119 - used))
        let bits = length &* 8
        for s in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        let saved = length
        tail.withUnsafeBufferPointer { update($0) }
        length = saved
        return h.flatMap { w in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: w >> UInt32($0)) } }
    }

    private mutating func block(_ p: UnsafePointer<UInt8>) {
        var w = [UInt32](repeating: 0, count: 64)
        for t in 0..<16 { w[t] = UInt32(p[4 * t]) << 24 | UInt32(p[4 * t + 1]) << 16 | UInt32(p[4 * t + 2]) << 8 | UInt32(p[4 * t + 3]) }
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
        for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        for t in 0..<64 {
            let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ SHA256.k[t] &+ w[t]
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
        }
        h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
        h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// The hex digest of a regular file's bytes.
    static func hexDigest(ofFile path: String) -> Result<String, RegularFileError> {
        let fd: Int32
        switch RegularFile.open(path) {
        case .success(let f): fd = f
        case .failure(let e): return .failure(e)
        }
        defer { close(fd) }
        var sha = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return .failure(RegularFileError(String(cString: strerror(errno)))) }
            if n == 0 { break }
            chunk.withUnsafeBufferPointer { sha.update(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
        return .success(hex(sha.finish()))
    }
}
