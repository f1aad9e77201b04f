/// FNV-1a 64: kdsl's one stable byte hash, the same on every machine and in every process (Swift's
/// `Hasher` is seeded per process). Model files store its feature ids and checksum, rule files
/// its content ids, and seeds derive from it, so its constants and order of operations never
/// change.
///
/// `step` is the whole algorithm (xor in a byte, multiply by the prime); hot loops that extend a
/// hash byte by byte call it directly (it inlines across modules to the same two instructions),
/// the rest hash a whole byte sequence with `hash`.
public enum FNV1a {
    /// The offset basis: the hash of no bytes.
    @inlinable public static var offset: UInt64 { 0xCBF2_9CE4_8422_2325 }
    /// The FNV prime for 64 bits.
    @inlinable public static var prime: UInt64 { 0x0000_0100_0000_01B3 }

    /// `h` extended by one byte.
    @inlinable @inline(__always)
    public static func step(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* prime }

    /// The hash of `bytes`, continuing from `h` (the hash of what came before; `offset` for none).
    @inlinable @inline(__always)
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes, from h: UInt64 = offset) -> UInt64 {
        var h = h
        for b in bytes { h = step(h, b) }
        return h
    }
}
