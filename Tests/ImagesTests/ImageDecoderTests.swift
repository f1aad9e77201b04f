import Foundation
import Testing
import TestSupport
import Images

@Suite struct ImageDecoderTests {
    let fixtures = repositoryRoot.appendingPathComponent("Tests/OCRTests/Fixtures").path
    private func fixture(_ name: String) -> String { fixtures + "/" + name }
    let decoder = ImageDecoder(maxPixels: 50_000_000)

    private func error(_ path: String, _ d: ImageDecoder? = nil) -> String? {
        if case .failure(let e) = (d ?? decoder).decode(path: path) { return e.message }
        return nil
    }

    private func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = testScratchRoot.appendingPathComponent("kdsl-images-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func decodesAPNGWithItsSize() throws {
        guard case .success(let image) = decoder.decode(path: fixture("phototest.png")) else {
            Issue.record("phototest.png did not decode"); return
        }
        #expect(image.width == 640 && image.height == 480)
    }

    @Test func missingFileNamesTheSystemReason() {
        #expect(error(fixture("no-such.png")) == "No such file or directory")
    }

    @Test func directoryIsRefused() {
        #expect(error(fixtures) == "is a directory")
    }

    // root reads any file whatever its mode: the case only exists for ordinary users.
    @Test(.enabled(if: getuid() != 0)) func unreadableFileNamesTheSystemReason() throws {
        let path = try temporary("locked.png", [0x89, 0x50, 0x4E, 0x47])
        chmod(path, 0)
        #expect(error(path) == "Permission denied")
    }

    @Test func textFileIsNotAnImage() throws {
        let path = try temporary("notes.png", Array("just some text, not pixels\n".utf8))
        #expect(error(path) == "not a recognised image format")
    }

    @Test func emptyFileIsRefused() throws {
        #expect(error(try temporary("empty.jpg", [])) == "empty file")
    }

    @Test func truncatedPNGIsRefused() throws {
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture("phototest.png"))))
        let path = try temporary("cut.png", Array(whole.prefix(whole.count / 2)))
        #expect(error(path) == "truncated PNG: chunk IDAT runs past the end of the file")
    }

    @Test func truncatedJPEGIsRefused() throws {
        let whole = try [UInt8](Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg")))
        #expect(error(try temporary("cut.jpg", Array(whole.prefix(whole.count - 2)))) == "truncated JPEG: no end-of-image marker")
        #expect(error(try temporary("whole.jpg", whole)) == nil)
    }

    @Test func decompressionBombIsRefusedFromItsHeader() throws {
        let message = try #require(error(fixture("bomb.png")))
        #expect(message.hasPrefix("image too large: 100000x100000"))
        if case .failure(let e) = decoder.decode(path: fixture("bomb.png")) {
            #expect(e.width == 100000 && e.height == 100000)
        }
    }

    @Test func pixelGuardFollowsTheLimit() {
        #expect(error(fixture("phototest.png"), ImageDecoder(maxPixels: 640 * 480 - 1))?.hasPrefix("image too large") == true)
        #expect(error(fixture("phototest.png"), ImageDecoder(maxPixels: 640 * 480)) == nil)
    }
}
