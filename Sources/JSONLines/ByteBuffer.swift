/// A growable byte buffer with stable identity, so several writers can share one (a class: the
/// writers append to the views without copy-on-write checks in the inner loops).
public final class ByteBuffer {
    public private(set) var p: UnsafeMutablePointer<UInt8>
    public var count = 0
    public private(set) var capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
        p = .allocate(capacity: capacity)
    }

    /// Releases the storage (called by the owner's deinit; the buffer is unusable after).
    public func free() { p.deallocate() }

    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: p, count: count) }

    /// Makes room for `extra` more bytes.
    @inline(__always) public func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        let q = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        q.update(from: p, count: count)
        p.deallocate()
        p = q
        capacity = c
    }

    @inline(__always) public func append(_ b: UInt8) {
        reserve(1)
        p[count] = b
        count += 1
    }

    /// Appends the UTF-8 of `u`.
    public func append(_ u: Unicode.Scalar) {
        let v = u.value
        reserve(4)
        if v < 0x80 {
            p[count] = UInt8(v); count += 1
        } else if v < 0x800 {
            p[count] = UInt8(0xC0 | v >> 6); p[count + 1] = UInt8(0x80 | v & 0x3F); count += 2
        } else if v < 0x10000 {
            p[count] = UInt8(0xE0 | v >> 12); p[count + 1] = UInt8(0x80 | (v >> 6) & 0x3F); p[count + 2] = UInt8(0x80 | v & 0x3F); count += 3
        } else {
            p[count] = UInt8(0xF0 | v >> 18); p[count + 1] = UInt8(0x80 | (v >> 12) & 0x3F)
            p[count + 2] = UInt8(0x80 | (v >> 6) & 0x3F); p[count + 3] = UInt8(0x80 | v & 0x3F); count += 4
        }
    }

    public func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        (p + count).update(from: bytes.baseAddress!, count: bytes.count)
        count += bytes.count
    }
}
