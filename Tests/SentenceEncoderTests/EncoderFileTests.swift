import Foundation
import Testing
@testable import SentenceEncoder
import TestSupport

/// The weight-file reader refuses every truncated or damaged file with `EncoderFileError`,
/// before it allocates anything from a count it has not checked.
@Suite struct EncoderFileTests {
    @Test func readsTheRealFile() throws {
        let file = try EncoderFile(bytes: try Weights.bytes())
        #expect(file.header == EncoderFile.Header(hidden: 384, layers: 12, heads: 12, feedForward: 1536, vocabularyRows: 250_037,
                                                   positions: 512, tokenTypes: 2, epsilon: file.header.epsilon))
        #expect(abs(file.header.epsilon - 1e-12) < 1e-15)
        #expect(file.pieceCount == 250_002)
        let specials: [Int] = [file.bos, file.pad, file.eos, file.unk]
        #expect(specials == [0, 1, 2, 3])
        #expect(file.tensors.count == 5 + 12 * 16)
    }

    /// Cut anywhere (in the header, the tokenizer, the map, the directory, the last tensor), the
    /// file is refused.
    @Test func refusesTruncatedFiles() throws {
        let bytes = try Weights.bytes()
        for cut in [0, 3, 8, 40, 60, 1000, 3_000_000, 4_638_000, 4_638_300, 60_000_000, bytes.count - 1] {
            #expect(throws: EncoderFileError.self, "cut at \(cut)") { try EncoderFile(bytes: Array(bytes[..<cut])) }
        }
    }

    @Test func refusesDamagedHeadersAndCounts() throws {
        let bytes = try Weights.bytes()
        func damaged(_ at: Int, _ value: UInt32) -> [UInt8] {
            var b = bytes
            for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            return b
        }
        let cases: [(String, [UInt8], String)] = [
            ("magic", damaged(0, 0x3153_3545 ^ 1), "E5S1"),
            ("version", damaged(4, 2), "version 2"),
            ("hidden width", damaged(8, 0x7FFF_FFFF), "hidden width"),
            ("layers too large to dequantise", damaged(8, 2016), "more weights than kdsl loads"),
            ("negative layer count", damaged(12, 0xFFFF_FFFF), "layer count -1"),
            ("heads not dividing the width", damaged(16, 7), "heads"),
            ("block size", damaged(40, 16), "block"),
            ("piece count over the vocabulary", damaged(44, 300_000), "piece count"),
            ("unk id past the pieces", damaged(60, 250_002), "<unk> id"),
            ("piece blob past the end", damaged(64, 0xFFFF_FF00), "piece blob"),
        ]
        for (what, b, words) in cases {
            do {
                _ = try EncoderFile(bytes: b)
                Issue.record("\(what): accepted")
            } catch let error as EncoderFileError {
                #expect(error.message.contains(words), "\(what): \(error.message)")
            }
        }
    }

    /// A tensor whose offset or size points outside the file, or whose size does not match the
    /// header, is refused by name.
    @Test func refusesTensorsOutsideTheFile() throws {
        let bytes = try Weights.bytes()
        let file = try EncoderFile(bytes: bytes)
        // Find the directory entry of emb.pos: name, dtype, count (u32), offset (u64), length (u64).
        let name = Array("emb.pos".utf8)
        let at = (2..<5_000_000).first { i in
            bytes[i - 2] == UInt8(name.count) && bytes[i - 1] == 0 && Array(bytes[i..<i + name.count]) == name
        }!
        let entry = at + name.count + 1  // after the dtype
        var past = bytes
        let offset = UInt64(bytes.count - 100)
        for k in 0..<8 { past[entry + 4 + k] = UInt8(truncatingIfNeeded: offset >> (8 * k)) }
        #expect { try EncoderFile(bytes: past) } throws: { ($0 as? EncoderFileError)?.message.contains("emb.pos") == true }
        var wrongSize = bytes
        wrongSize[entry] &+= 1
        #expect { try EncoderFile(bytes: wrongSize) } throws: { ($0 as? EncoderFileError)?.message.contains("emb.pos") == true }
        #expect(file.tensors["emb.pos"]!.count == 512 * 384)
    }

    @Test func refusesDirectoriesAndMissingFiles() throws {
        let dir = try ScratchDirectory("encoder-file")
        #expect { try EncoderFile.read(path: dir.url.path) } throws: { ($0 as? EncoderFileError)?.message == "not a regular file" }
        #expect { try EncoderFile.read(path: dir.path("absent.bin")) } throws: { ($0 as? EncoderFileError)?.message.contains("cannot open") == true }
        try Data("E5S1".utf8).write(to: URL(fileURLWithPath: dir.path("short.bin")))
        #expect { try EncoderFile.read(path: dir.path("short.bin")) } throws: { ($0 as? EncoderFileError)?.message.contains("too short") == true }
    }
}

/// A weight that is not a finite number (a damaged byte in a scale or an f32 value) is refused.
@Suite struct EncoderFileValueTests {
    @Test func refusesNonFiniteWeights() throws {
        let bytes = try Weights.bytes()
        let file = try EncoderFile(bytes: bytes)
        var scale = bytes
        let word = file.tensors["l3.fi.w"]!
        scale[word.offset + 18 * 5 + 1] = 0x7C  // block 5's fp16 scale: infinity
        #expect { try EncoderFile(bytes: scale) } throws: { ($0 as? EncoderFileError)?.message.contains("l3.fi.w has a block scale") == true }
        var value = bytes
        let pos = file.tensors["emb.ln.b"]!
        for (k, b) in [0x00, 0x00, 0xC0, 0x7F].enumerated() { value[pos.offset + 8 + k] = UInt8(b) }  // a NaN
        #expect { try EncoderFile(bytes: value) } throws: { ($0 as? EncoderFileError)?.message.contains("emb.ln.b holds a value") == true }
    }
}
