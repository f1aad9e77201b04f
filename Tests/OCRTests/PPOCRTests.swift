import Foundation
import Testing
@testable import kdsl_ocr
import JSONLines
import TestSupport

/// The PP-OCR engine's own code: geometry, regions, reading order, CTC decoding, ONNX metadata.
@Suite struct PPOCRTests {
    @Test func minAreaRectOfAnAxisAlignedBlockIsItsPixelSpan() {
        // Pixels x 2...11, y 5...8 (pixel coordinates, as OpenCV's contours give them).
        var points: [Point] = []
        for y in 5...8 {
            let row = Double(y)
            points.append(Point(x: 2, y: row))
            points.append(Point(x: 11, y: row))
        }
        let (corners, side) = BoxGeometry.minAreaRect(points)
        #expect(side == 3)
        let q = BoxGeometry.ordered(corners)
        #expect(abs(q[0].x - 2) < 1e-9)
        #expect(abs(q[0].y - 5) < 1e-9)
        #expect(abs(q[2].x - 11) < 1e-9)
        #expect(abs(q[2].y - 8) < 1e-9)
    }

    @Test func minAreaRectFollowsARotatedLine() {
        // A segment at 45°, 2 px thick: the rectangle is long and thin, not the bounding box.
        var points: [Point] = []
        for i in 0..<20 {
            let v = Double(i)
            points.append(Point(x: v, y: v))
            points.append(Point(x: v + 1, y: v))
        }
        let (corners, side) = BoxGeometry.minAreaRect(points)
        let (area, _) = BoxGeometry.areaAndPerimeter(corners)
        #expect(side < 1)
        #expect(area < 45)
    }

    @Test func perspectiveMapsTheCropCornersOntoTheQuad() throws {
        let q = [Point(x: 10, y: 20), Point(x: 110, y: 25), Point(x: 108, y: 65), Point(x: 8, y: 60)]
        let m = try #require(BoxGeometry.perspective(toQuad: q, width: 100, height: 40))
        let xs: [Double] = [0, 100, 100, 0], ys: [Double] = [0, 0, 40, 40]
        for i in 0..<4 {
            let x = xs[i], y = ys[i]
            let d: Double = m[6] * x + m[7] * y + m[8]
            let mx: Double = (m[0] * x + m[1] * y + m[2]) / d
            let my: Double = (m[3] * x + m[4] * y + m[5]) / d
            #expect(abs(mx - q[i].x) < 1e-6)
            #expect(abs(my - q[i].y) < 1e-6)
        }
    }

    @Test func regionsAreEightConnected() {
        // Two diagonal pixels touch (one region); a pixel two columns away does not.
        let w = 6, h = 3
        var bits = [UInt8](repeating: 0, count: w * h)
        bits[0 * w + 0] = 1; bits[1 * w + 1] = 1; bits[1 * w + 4] = 1; bits[2 * w + 4] = 1; bits[2 * w + 5] = 1
        let regions = Regions.of(bits, width: w, height: h)
        #expect(regions.count == 2)
        func cells(_ region: [Point]) -> Set<String> {
            var out: Set<String> = []
            for p in region { out.insert("\(Int(p.x)),\(Int(p.y))") }
            return out
        }
        #expect(cells(regions[0]) == ["0,0", "1,1"])
        #expect(cells(regions[1]) == ["4,1", "4,2", "5,2"])
    }

    @Test func aUShapedRegionJoinsWhenItsArmsMeet() {
        // Two arms that start apart and join at the bottom row are one region.
        let rows = ["1..1", "1..1", "1111"]
        let w = 4
        var bits: [UInt8] = []
        for row in rows { for c in row { bits.append(c == "1" ? 1 : 0) } }
        #expect(Regions.of(bits, width: w, height: rows.count).count == 1)
    }

    @Test func readingOrderIsTopToBottomThenLeftToRightWithinALine() {
        func box(_ x: Double, _ y: Double) -> Quad {
            let right: Double = x + 10, bottom: Double = y + 5
            return [Point(x: x, y: y), Point(x: right, y: y), Point(x: right, y: bottom), Point(x: x, y: bottom)]
        }
        // Same line (tops 4 px apart), the right one slightly higher: still read left first.
        let order = TextDetector.readingOrder([box(50, 100), box(200, 10), box(10, 104), box(0, 12)])
        let lefts: [Double] = order.map { (q: Quad) -> Double in q[0].x }
        #expect(lefts == [0, 200, 10, 50])
    }

    @Test func multipleOf32RoundsHalfToEvenLikePython() {
        #expect(TextDetector.multipleOf32(2000) == 1984)  // 62.5 → 62
        #expect(TextDetector.multipleOf32(2032) == 2048)  // 63.5 → 64
        #expect(TextDetector.multipleOf32(900) == 896)
        #expect(TextDetector.multipleOf32(15) == 0)
    }

    @Test func ctcDecodingMergesRepeatsAndDropsBlanks() {
        let r = TextRecognizer(dictionary: ["a", "b"])  // 0 blank, 1 a, 2 b, 3 space
        // Steps: a a blank a b b space → "aab " (the blank separates the two a's).
        let best = [1, 1, 0, 1, 2, 2, 3]
        var probs = [Float](repeating: 0.01, count: best.count * 4)
        for (t, c) in best.enumerated() { probs[t * 4 + c] = 0.9 }
        let reading = probs.withUnsafeBufferPointer { r.decode($0, item: 0, steps: best.count) }
        #expect(reading.text == "aab ")
        #expect(abs(reading.score - 0.9) < 1e-6)
        let none = [Float](repeating: 0.25, count: 4 * 3).withUnsafeBufferPointer { r.decode($0, item: 0, steps: 3) }
        #expect(none.text == "" && none.score == 0)
    }

    @Test func onnxMetadataIsReadFromTheTopLevelOfTheProtobuf() {
        func field(_ n: UInt8, _ payload: [UInt8]) -> [UInt8] { [n << 3 | 2, UInt8(payload.count)] + payload }
        let entry = field(1, Array("character".utf8)) + field(2, Array("a\nb\n".utf8))
        let model: [UInt8] = [0x08, 0x07] + field(7, [1, 2, 3, 4]) + field(14, entry)
        #expect(ONNXMetadata.parse(model) == ["character": "a\nb\n"])
        #expect(ONNXMetadata.parse([0x72, 0x40, 1]) == nil)  // a length past the end
    }

    @Test func dictionaryLinesKeepEveryCharacter() {
        #expect(PPOCRModels.dictionaryLines("a\nb\r\n \n") == ["a", "b", " "])
        #expect(PPOCRModels.dictionaryLines("x") == ["x"])
    }

    @Test func theDefaultRecogniserCarriesItsDictionary() throws {
        let models = try PPOCRModels.locate(directory: nil, detector: nil, recognizer: nil, keys: nil)
        #expect(models.dictionary.count == 6623)
    }

    @Test func roundOffsetOfABoxIsTheBoxGrownOnWholePixels() {
        // A 10 × 4 box at fractional corners: truncated to (2, 3)-(12, 7), grown by 2 on each side.
        let rect = [Point(x: 2.7, y: 3.2), Point(x: 12.9, y: 3.2), Point(x: 12.9, y: 7.6), Point(x: 2.7, y: 7.6)]
        let grown = BoxGeometry.offsetRound(rect, by: 2)
        #expect(grown.allSatisfy { $0.x == $0.x.rounded() && $0.y == $0.y.rounded() })
        let (box, side) = BoxGeometry.minAreaRect(grown)
        let xs: [Double] = box.map(\.x), ys: [Double] = box.map(\.y)
        let x0: Double = xs.min() ?? -1, x1: Double = xs.max() ?? -1, y0: Double = ys.min() ?? -1, y1: Double = ys.max() ?? -1
        #expect(abs(x0 - 0) < 1e-9)
        #expect(abs(x1 - 14) < 1e-9)
        #expect(abs(y0 - 1) < 1e-9)
        #expect(abs(y1 - 9) < 1e-9)
        #expect(abs(side - 8) < 1e-9)
        // The same box listed clockwise grows the same way (Clipper fixes the orientation).
        let other = BoxGeometry.minAreaRect(BoxGeometry.offsetRound(rect.reversed(), by: 2))
        #expect(abs(other.shortSide - 8) < 1e-9)
    }

    @Test func aKeysFileListingTheBlankAndTheSpaceDecodesAsGiven() {
        // PP-OCRv5's keys file starts with "blank" and ends with " ": the model has exactly that many classes.
        let r = TextRecognizer(dictionary: ["blank", "a", "b", " "])
        #expect(r.characters.count == 6 && r.asGiven.count == 4)
        let best = [1, 0, 2, 3, 3]  // a, blank, b, space
        var probs = [Float](repeating: 0.01, count: best.count * 4)
        for (t, c) in best.enumerated() { probs[t * 4 + c] = 0.9 }
        let reading = probs.withUnsafeBufferPointer { r.decode($0, item: 0, steps: best.count, characters: r.asGiven) }
        #expect(reading.text == "ab ")
    }

    @Test func recordCountIsKnownForFilesOnly() throws {
        let path = testScratchRoot.appendingPathComponent("kdsl-ocr-count-\(getpid()).jsonl").path
        try "{\"a\":1}\n\n  \n{\"b\":2}".write(toFile: path, atomically: false, encoding: .utf8)
        defer { unlink(path) }
        #expect(RecordCount.ofFiles([path]) == 2)
        #expect(RecordCount.ofFiles([path, path]) == 4)
        #expect(RecordCount.ofFiles([]) == nil)
        #expect(RecordCount.ofFiles(["-"]) == nil)
        #expect(RecordCount.ofFiles(["/nonexistent"]) == nil)
    }
}

/// Thin images: what the detector is given stays bounded whatever the image's aspect.
@Suite struct ThinImageTests {
    @Test(arguments: [(1, 2000), (2000, 1), (1, 100000), (100000, 1), (3, 5000), (5000, 3), (32, 2000), (2000, 32), (29, 1999)])
    func detectorInputIsBounded(width: Int, height: Int) {
        let (image, _, _, _) = PPOCREngine.prepared(RasterImage(width: width, height: height))
        #expect(image.width * image.height <= 2000 * 2000)
        let (h, w) = TextDetector().inputSize(height: image.height, width: image.width)
        #expect(max(h, w) <= 8 * 736)
        #expect(min(h, w) >= 32)
        #expect(h % 32 == 0 && w % 32 == 0)
    }

    @Test func ordinaryImagesAreSizedAsTheReferenceSizesThem() {
        // A page, a flat banner (letterboxed) and an 8:1 strip: the reference's sizes.
        let d = TextDetector()
        #expect(d.inputSize(height: 1000, width: 800) == (992, 800))
        #expect(d.inputSize(height: 250, width: 2000) == (736, 5888))
        #expect(d.inputSize(height: 2000, width: 250) == (5888, 736))
        let (banner, _, _, top) = PPOCREngine.prepared(RasterImage(width: 2000, height: 40))
        #expect(banner.height == 500 && banner.width == 2000 && top == 230)
    }
}
