import Testing
@testable import Basics

@Suite struct FNV1aTests {
    /// The published FNV-1a 64 test vectors: model files and rule ids store these hashes, so they
    /// must never change.
    @Test func publishedVectors() {
        #expect(FNV1a.hash([UInt8]()) == 0xCBF2_9CE4_8422_2325)
        #expect(FNV1a.hash("a".utf8) == 0xAF63_DC4C_8601_EC8C)
        #expect(FNV1a.hash("foobar".utf8) == 0x8594_4171_F739_67E8)
    }

    /// Hashing in parts (`from:`) and byte by byte (`step`) is hashing the whole.
    @Test func partsAndStepsAreTheWhole() {
        let bytes = Array("kdsl 知识解耦 rules".utf8)
        let whole = FNV1a.hash(bytes)
        for cut in 0...bytes.count {
            #expect(FNV1a.hash(bytes[cut...], from: FNV1a.hash(bytes[..<cut])) == whole)
        }
        #expect(bytes.reduce(FNV1a.offset, FNV1a.step) == whole)
    }
}
