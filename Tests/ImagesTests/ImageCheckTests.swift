import Foundation
import Testing
@testable import Images

/// The structure check that keeps cut or corrupt PNG/JPEG files away from libpng and libjpeg.
@Suite struct ImageCheckTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func bytes(_ relative: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: Self.root.appendingPathComponent(relative)))
    }

    /// Every image committed to the repository is whole.
    @Test func committedImagesPass() throws {
        var paths = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("examples/sample/images").path)
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.map { "examples/sample/images/" + $0 }
        paths += ["Tests/OCRTests/Fixtures/phototest.png", "Tests/OCRTests/Fixtures/zh-line.png", "Tests/OCRTests/Fixtures/bomb.png"]
        #expect(paths.filter { $0.hasSuffix(".jpg") }.count >= 10)
        for path in paths { #expect(ImageCheck.problem(in: try bytes(path)) == nil, "\(path)") }
    }

    /// Cut anywhere, a PNG is refused.
    @Test func everyCutPNGIsRefused() throws {
        let whole = try bytes("Tests/OCRTests/Fixtures/phototest.png")
        for n in 8..<whole.count {
            let problem = ImageCheck.problem(in: Array(whole.prefix(n)))
            #expect(problem?.hasPrefix("truncated PNG: ") == true, "cut at \(n): \(problem ?? "accepted")")
        }
        #expect(ImageCheck.problem(in: Array(whole.prefix(whole.count / 2))) == "truncated PNG: chunk IDAT runs past the end of the file")
    }

    /// Cut anywhere after its first marker, a JPEG is refused.
    @Test func everyCutJPEGIsRefused() throws {
        let whole = try bytes("examples/sample/images/receipt-000.jpg")
        for n in stride(from: 2, to: whole.count, by: 7) {
            let problem = ImageCheck.problem(in: Array(whole.prefix(n)))
            #expect(problem?.hasPrefix("truncated JPEG: ") == true, "cut at \(n): \(problem ?? "accepted")")
        }
        #expect(ImageCheck.problem(in: Array(whole.dropLast(2))) == "truncated JPEG: no end-of-image marker")
    }

    @Test func flippedBitFailsThePNGChecksum() throws {
        var png = try bytes("Tests/OCRTests/Fixtures/phototest.png")
        png[png.count / 2] ^= 1
        #expect(ImageCheck.problem(in: png) == "corrupt PNG: CRC mismatch in chunk IDAT")
    }

    @Test func strayBytesBetweenJPEGSegmentsAreRefused() throws {
        var jpeg = try bytes("examples/sample/images/receipt-000.jpg")
        jpeg.insert(0x42, at: 2)  // between SOI and the first segment
        #expect(ImageCheck.problem(in: jpeg) == "corrupt JPEG: stray bytes before a marker at byte 2")
    }

    /// Other formats and non-images are left to the decoder (it names them).
    @Test func otherBytesAreNotJudged() {
        #expect(ImageCheck.problem(in: Array("P6\n1 1\n255\n\u{0}\u{0}\u{0}".utf8)) == nil)
        #expect(ImageCheck.problem(in: Array("not an image".utf8)) == nil)
        #expect(ImageCheck.problem(in: []) == nil)
    }

    /// The standard check value of CRC-32 ("123456789"), and a length that crosses the 8-byte steps.
    @Test func crcMatchesTheStandard() {
        let check = Array("123456789".utf8)
        #expect(check.withUnsafeBufferPointer { CRC32.of($0) } == 0xCBF4_3926)
        let zeros = [UInt8](repeating: 0, count: 32)
        #expect(zeros.withUnsafeBufferPointer { CRC32.of($0) } == 0x190A_55AD)
    }
}
