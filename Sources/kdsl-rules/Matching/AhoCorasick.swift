/// A multi-pattern automaton (Aho & Corasick, 1975) over UTF-8 bytes: one pass over a text finds
/// every occurrence of every pattern, so matching cost does not grow with the number of rules.
///
/// Layout: the root has a dense 256-entry table (every scan step starts near it); other states keep
/// their edges sorted in one flat array (CSR), searched linearly when few, by bisection when many.
/// Each state has a failure link and a dictionary link (the nearest state on its failure chain
/// that ends a pattern), so reporting visits only states that end patterns.
final class AhoCorasick {
    /// Number of distinct patterns (ids 0..<count, in the order given; duplicates share the first id).
    let patternCount: Int
    /// Length in bytes of the longest pattern.
    let longest: Int
    private var rootNext: [Int32]
    private var edgeStart: [Int32]
    private var edgeBytes: [UInt8]
    private var edgeTargets: [Int32]
    private var fail: [Int32]
    private var dict: [Int32]
    /// The pattern ending exactly at each state, or -1.
    private var terminal: [Int32]
    /// The complete transition function over byte classes, when it fits `denseBudget`: one load
    /// per text byte instead of edge searches and failure chains (measured: the sparse scan
    /// spent ~11 ns per byte of CJK text against 1,600 literals). Entries are the target's row
    /// offset (`state * classCount`), bitwise negated when the target ends a pattern.
    private var dense: [Int32] = []
    /// Byte → class: bytes no pattern contains share class 0 (they always lead back to the root).
    private var byteClass = [UInt8](repeating: 0, count: 256)
    private var classCount = 1
    /// Largest dense table built, in entries (64 MiB): beyond it the sparse layout is used.
    static let denseBudget = 16 << 20

    /// Builds the automaton. Empty patterns are ignored (they never report). `dense: false`
    /// keeps the sparse layout whatever the size (tests compare the two).
    init(_ patterns: [[UInt8]], dense allowDense: Bool = true) {
        patternCount = patterns.count
        longest = patterns.map(\.count).max() ?? 0
        // 1. Trie with per-node sorted child lists.
        var children: [[(UInt8, Int32)]] = [[]]
        var term: [Int32] = [-1]
        for (pid, p) in patterns.enumerated() where !p.isEmpty {
            var s: Int32 = 0
            for b in p {
                let list = children[Int(s)]
                var lo = 0, hi = list.count
                while lo < hi { let mid = (lo + hi) / 2; if list[mid].0 < b { lo = mid + 1 } else { hi = mid } }
                if lo < list.count && list[lo].0 == b {
                    s = list[lo].1
                } else {
                    let t = Int32(children.count)
                    children.append([]); term.append(-1)
                    children[Int(s)].insert((b, t), at: lo)
                    s = t
                }
            }
            if term[Int(s)] < 0 { term[Int(s)] = Int32(pid) }
        }
        let n = children.count
        // 2. Flatten edges (CSR).
        var start = [Int32](repeating: 0, count: n + 1)
        var bytes: [UInt8] = [], targets: [Int32] = []
        bytes.reserveCapacity(n); targets.reserveCapacity(n)
        for s in 0..<n {
            start[s] = Int32(bytes.count)
            for (b, t) in children[s] { bytes.append(b); targets.append(t) }
        }
        start[n] = Int32(bytes.count)
        var root = [Int32](repeating: 0, count: 256)
        for (b, t) in children[0] { root[Int(b)] = t }
        rootNext = root; edgeStart = start; edgeBytes = bytes; edgeTargets = targets; terminal = term
        // 3. Failure and dictionary links, breadth first.
        var failLinks = [Int32](repeating: 0, count: n)
        var dictLinks = [Int32](repeating: -1, count: n)
        var queue: [Int32] = children[0].map(\.1)
        var head = 0
        while head < queue.count {
            let s = queue[head]; head += 1
            for (b, t) in children[Int(s)] {
                var f = failLinks[Int(s)]
                var target: Int32 = 0
                while true {
                    if let next = AhoCorasick.child(f, b, root, start, bytes, targets) { target = next; break }
                    if f == 0 { break }
                    f = failLinks[Int(f)]
                }
                failLinks[Int(t)] = target
                dictLinks[Int(t)] = term[Int(target)] >= 0 ? target : dictLinks[Int(target)]
                queue.append(t)
            }
        }
        fail = failLinks; dict = dictLinks
        // 4. Dense transitions, rows filled in breadth-first order so a failure row is ready first.
        var used = [Bool](repeating: false, count: 256)
        for b in bytes { used[Int(b)] = true }
        var k = 1
        for b in 0..<256 where used[b] { byteClass[b] = UInt8(k); k += 1 }
        guard allowDense, n * k <= AhoCorasick.denseBudget, n > 1 else { return }
        classCount = k
        var table = [Int32](repeating: 0, count: n * k)
        @inline(__always) func entry(_ t: Int32) -> Int32 {
            let off = t * Int32(k)
            return term[Int(t)] >= 0 || dictLinks[Int(t)] >= 0 ? ~off : off
        }
        for (b, t) in children[0] { table[Int(byteClass[Int(b)])] = entry(t) }
        for s in queue {
            let row = Int(s) * k, failRow = Int(failLinks[Int(s)]) * k
            for c in 0..<k { table[row + c] = table[failRow + c] }
            for (b, t) in children[Int(s)] { table[row + Int(byteClass[Int(b)])] = entry(t) }
        }
        dense = table
    }

    @inline(__always)
    private static func child(_ s: Int32, _ b: UInt8, _ root: [Int32], _ start: [Int32], _ bytes: [UInt8], _ targets: [Int32]) -> Int32? {
        if s == 0 { let t = root[Int(b)]; return t == 0 ? nil : t }
        var lo = Int(start[Int(s)]), hi = Int(start[Int(s) + 1])
        if hi - lo <= 8 {
            while lo < hi { if bytes[lo] == b { return targets[lo] }; lo += 1 }
            return nil
        }
        while lo < hi { let mid = (lo + hi) >> 1; if bytes[mid] < b { lo = mid + 1 } else { hi = mid } }
        return lo < Int(start[Int(s) + 1]) && bytes[lo] == b ? targets[lo] : nil
    }

    /// Calls `report` with the id of every pattern occurrence in `text` (a pattern occurring twice
    /// is reported twice; callers that need sets deduplicate).
    @inline(__always)
    func scan(_ text: UnsafeBufferPointer<UInt8>, _ report: (Int32) -> Void) {
        if !dense.isEmpty { scanDense(text, report); return }
        rootNext.withUnsafeBufferPointer { root in
        edgeStart.withUnsafeBufferPointer { start in
        edgeBytes.withUnsafeBufferPointer { bytes in
        edgeTargets.withUnsafeBufferPointer { targets in
        fail.withUnsafeBufferPointer { fail in
        dict.withUnsafeBufferPointer { dict in
        terminal.withUnsafeBufferPointer { terminal in
            var s: Int32 = 0
            for b in text {
                while true {
                    if s == 0 { s = root[Int(b)]; break }
                    var lo = Int(start[Int(s)]), hi = Int(start[Int(s) + 1])
                    var found: Int32 = -1
                    if hi - lo <= 8 {
                        while lo < hi { if bytes[lo] == b { found = targets[lo]; break }; lo += 1 }
                    } else {
                        let end = hi
                        while lo < hi { let mid = (lo + hi) >> 1; if bytes[mid] < b { lo = mid + 1 } else { hi = mid } }
                        if lo < end && bytes[lo] == b { found = targets[lo] }
                    }
                    if found >= 0 { s = found; break }
                    s = fail[Int(s)]
                }
                if s == 0 { continue }
                var o = terminal[Int(s)] >= 0 ? s : dict[Int(s)]
                while o >= 0 {
                    report(terminal[Int(o)])
                    o = dict[Int(o)]
                }
            }
        }}}}}}}
    }

    @inline(__always)
    private func scanDense(_ text: UnsafeBufferPointer<UInt8>, _ report: (Int32) -> Void) {
        let k = Int32(classCount)
        dense.withUnsafeBufferPointer { table in
        byteClass.withUnsafeBufferPointer { cls in
        dict.withUnsafeBufferPointer { dict in
        terminal.withUnsafeBufferPointer { terminal in
            var s: Int32 = 0
            for b in text {
                let e = table[Int(s) + Int(cls[Int(b)])]
                if e >= 0 { s = e; continue }
                s = ~e
                let state = s / k
                var o = terminal[Int(state)] >= 0 ? state : dict[Int(state)]
                while o >= 0 {
                    report(terminal[Int(o)])
                    o = dict[Int(o)]
                }
            }
        }}}}
    }

    /// Calls `report` at least once with the id of every pattern that occurs in `text`, and with
    /// no other: for callers that want the set of patterns present. On the dense layout a long
    /// text is cut into four overlapping pieces scanned in lockstep: one text's transitions form
    /// a chain of dependent loads, four independent chains keep the memory system busy in
    /// parallel (a pattern in an overlap may be reported twice).
    func scanPresence(_ text: UnsafeBufferPointer<UInt8>, _ report: (Int32) -> Void) {
        let n = text.count, overlap = max(0, longest - 1)
        let piece = n / 4
        guard !dense.isEmpty, piece >= 64, piece > 2 * overlap else { scan(text, report); return }
        let k = Int32(classCount)
        dense.withUnsafeBufferPointer { table in
        byteClass.withUnsafeBufferPointer { cls in
        dict.withUnsafeBufferPointer { dict in
        terminal.withUnsafeBufferPointer { terminal in
            let t = text.baseAddress!
            @inline(__always) func emit(_ s: Int32) {
                let state = s / k
                var o = terminal[Int(state)] >= 0 ? state : dict[Int(state)]
                while o >= 0 {
                    report(terminal[Int(o)])
                    o = dict[Int(o)]
                }
            }
            // Piece j covers [j * piece, end of j), starting `overlap` bytes early so a pattern
            // crossing into it from the left is seen whole.
            let p1 = piece - overlap, p2 = 2 * piece - overlap, p3 = 3 * piece - overlap
            var s0: Int32 = 0, s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0
            var j = 0
            while j < piece {
                let e0 = table[Int(s0) + Int(cls[Int(t[j])])]
                let e1 = table[Int(s1) + Int(cls[Int(t[p1 + j])])]
                let e2 = table[Int(s2) + Int(cls[Int(t[p2 + j])])]
                let e3 = table[Int(s3) + Int(cls[Int(t[p3 + j])])]
                if e0 >= 0 { s0 = e0 } else { s0 = ~e0; emit(s0) }
                if e1 >= 0 { s1 = e1 } else { s1 = ~e1; emit(s1) }
                if e2 >= 0 { s2 = e2 } else { s2 = ~e2; emit(s2) }
                if e3 >= 0 { s3 = e3 } else { s3 = ~e3; emit(s3) }
                j += 1
            }
            // Pieces 1-3 still have `overlap` bytes to their end, piece 3 also the remainder.
            @inline(__always) func finish(_ s: inout Int32, _ from: Int, _ to: Int) {
                var i = from
                while i < to {
                    let e = table[Int(s) + Int(cls[Int(t[i])])]
                    if e >= 0 { s = e } else { s = ~e; emit(s) }
                    i += 1
                }
            }
            finish(&s1, p1 + piece, 2 * piece)
            finish(&s2, p2 + piece, 3 * piece)
            finish(&s3, p3 + piece, n)
        }}}}
    }

    /// Whether the dense table was built (tests check both layouts).
    var isDense: Bool { !dense.isEmpty }

    /// The set of pattern ids occurring in `text`, sorted (for tests and small uses).
    func matches(_ text: String) -> [Int] {
        var seen = Set<Int32>()
        var t = text
        t.withUTF8 { buf in scan(buf) { seen.insert($0) } }
        return seen.map(Int.init).sorted()
    }
}
