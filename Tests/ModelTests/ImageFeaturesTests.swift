import Basics
import Foundation
import Testing
@testable import kdsl_model
import TestSupport
import JSONLines

@Suite struct ImageFeaturesTests {
    /// Each group of the image block carries an equal share of the weight: standardised, a small
    /// group's mean squared norm equals a large one's, and the block's is the weight squared.
    @Test func groupsShareTheImageWeight() {
        var rng = SeededRNG(seed: 4)
        let images = (0..<400).map { _ in (0..<10).map { i in Float(rng.nextUnit()) * Float(i + 1) } }
        let head = Head(task: "", labels: ["a", "b"], vocabulary: Vocabulary.build([]), denseCount: 10, hidden: 0)
        head.fitStandardisation(images, weight: 2, groups: [0..<2, 2..<10])
        var small: Float = 0, large: Float = 0
        for var x in images {
            head.standardise(&x)
            small += x[0..<2].reduce(0) { $0 + $1 * $1 }
            large += x[2..<10].reduce(0) { $0 + $1 * $1 }
        }
        small /= Float(images.count); large /= Float(images.count)
        #expect(abs(small - 2) < 1e-3 && abs(large - 2) < 1e-3, "\(small) \(large)")  // (2/√2)² each
        // Without groups every feature gets the same share: the small group carries 2 of 10.
        head.fitStandardisation(images, weight: 2)
        var whole: Float = 0, part: Float = 0
        for var x in images {
            head.standardise(&x)
            whole += x.reduce(0) { $0 + $1 * $1 }
            part += x[0..<2].reduce(0) { $0 + $1 * $1 }
        }
        #expect(abs(whole / Float(images.count) - 4) < 1e-3 && abs(part / Float(images.count) - 0.8) < 1e-3)
    }

    @Test func flipMirrorsTheGrids() {
        let w = 40, h = 30
        let f = ImageFeatures.summarise(width: w, height: h, originalWidth: w, originalHeight: h) { x, _ in (Float(x * 6), 0, 255) }
        let m = ImageFeatures.summarise(width: w, height: h, originalWidth: w, originalHeight: h) { x, _ in (Float((w - 1 - x) * 6), 0, 255) }
        let flipped = ImageFeatures.flipped(f)
        for i in 0..<ImageFeatures.count { #expect(abs(flipped[i] - m[i]) < 1e-4, "feature \(i)") }
        #expect(ImageFeatures.flipped(flipped) == f)
        #expect(f[0] < f[7])  // the left column is darker than the right
    }

    /// Vertical stripes have horizontal gradients (orientation 0°/180°, bins 0 and 8), horizontal
    /// stripes vertical ones (90°, bin 4); a flat image has (next to) none. Blocks are L2-Hys normalised.
    @Test func gradientHistogramsFollowTheEdges() {
        let w = 96, h = 200
        let vertical = Gradients.histograms(width: w, height: h) { x, _ in (x / 6) % 2 == 0 ? (0, 0, 0) : (255, 255, 255) }
        let horizontal = Gradients.histograms(width: w, height: h) { _, y in (y / 6) % 2 == 0 ? (0, 0, 0) : (255, 255, 255) }
        let flat = Gradients.histograms(width: w, height: h) { _, _ in (128, 128, 128) }
        #expect(vertical.count == Gradients.count)
        func bin(_ f: [Float], _ o: Int) -> Float { stride(from: o, to: f.count, by: Gradients.orientations).reduce(0) { $0 + f[$1] } }
        let v = (0..<9).map { bin(vertical, $0) }, hz = (0..<9).map { bin(horizontal, $0) }
        #expect(v[0] + v[8] > 0.9 * v.reduce(0, +))
        #expect(hz[4] > 0.9 * hz.reduce(0, +))
        #expect(flat.allSatisfy { $0 < 1e-3 })  // resampling rounding leaves gradients of ~1e-7
        // Each block of an image with edges everywhere has unit norm after L2-Hys.
        let block = vertical[0..<Gradients.blockSize].reduce(0) { $0 + $1 * $1 }
        #expect(abs(block - 1) < 1e-3)
    }

    /// A real decode through Leptonica: a PNM file written here, and a file that is not an image.
    @Test func decodesAFileAndCountsFailures() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-img-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var ppm = Array("P6\n16 8\n255\n".utf8)
        for _ in 0..<8 { for x in 0..<16 { ppm += [UInt8(x * 16), 0, 0] } }
        try Data(ppm).write(to: dir.appendingPathComponent("a.ppm"))
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("b.jpg"))
        let jpeg = try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/sample/images/receipt-000.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: dir.appendingPathComponent("cut.jpg"))
        var failed: [ImageFeatures.Failure] = []
        let f = ImageFeatures.of(paths: ["a.ppm", "b.jpg", "missing.png", "cut.jpg"], root: dir.path, failures: &failed)
        #expect(failed == [.init(path: "b.jpg", reason: "not a recognised image format"),
                           .init(path: "missing.png", reason: "No such file or directory"),
                           .init(path: "cut.jpg", reason: "truncated JPEG: no end-of-image marker")])
        let v = try #require(f)
        #expect(v.count == ImageFeatures.count)
        #expect(abs(v[176 + 8] - Float(log(16.0))) < 1e-5)  // log width of the original
        #expect(v[0] < v[7])
        #expect(ImageFeatures.of(paths: ["missing.png"], root: dir.path, failures: &failed) == nil)
    }
}
