/// PP-OCR's text detector: a DB (Differentiable Binarization) network gives every pixel a text
/// probability; connected regions of the thresholded map become boxes. The pre- and
/// post-processing follow PaddleOCR's DBPostProcess as RapidOCR 1.4.4 configures it (its
/// config.yaml and ch_ppocr_det/utils.py): shorter side at least 736 px, sides rounded to
/// multiples of 32, threshold 0.3, box score ≥ 0.5 (mean probability inside the box), a 2×2
/// dilation of the map, boxes grown by area × 1.6 / perimeter (a Clipper-style round offset on
/// whole pixels, as pyclipper does it there), at most 1,000 candidates.
struct TextDetector {
    var limitSideLength = 736
    /// The longest side of the detector's input (see `inputSize`).
    var maxInputSide = 8 * 736
    var threshold: Float = 0.3
    var boxThreshold = 0.5
    var unclipRatio = 1.6
    var maxCandidates = 1000
    var minSize = 3.0

    /// The boxes of `image`, in its coordinates, in reading order (top to bottom; left to right
    /// within a line).
    func detect(_ image: RasterImage, network: CompiledNetwork) throws -> [Quad] {
        let (h, w) = (image.height, image.width)
        let (rh, rw) = inputSize(height: h, width: w)
        if rh <= 0 || rw <= 0 { return [] }
        let resized = image.resized(width: rw, height: rh)
        var input = [Float](repeating: 0, count: 3 * rh * rw)
        resized.writeNormalizedPlanes(into: &input, offset: 0, stride: rw, planeSize: rh * rw)
        let boxes = try network.infer(&input, shape: [1, 3, rh, rw]) { map, shape -> [Quad] in
            guard shape.count == 4, shape[0] == 1, shape[1] == 1 else {
                throw InferenceError("the detector's output has shape \(shape), expected [1, 1, H, W]")
            }
            return boxesFromMap(map, width: shape[3], height: shape[2], destWidth: w, destHeight: h)
        }
        return TextDetector.readingOrder(boxes.compactMap { TextDetector.tidy($0, width: w, height: h) })
    }

    /// The detector's input size for an image of `height` × `width`: the shorter side brought up
    /// to `limitSideLength` (736), sides rounded to multiples of 32, as the reference does; but the
    /// longer side at most `maxInputSide` (8 × 736), the shorter then at least 32. The reference
    /// has no such bound, and a 32 × 2000 strip would become a 46000 × 736 input (400 MB, and
    /// several GB of activations inside the network). Images up to 8 times longer than wide, and
    /// every image the letterbox has padded (the wide ones), are below the bound and sized as
    /// the reference sizes them.
    func inputSize(height h: Int, width w: Int) -> (height: Int, width: Int) {
        var ratio = 1.0
        if min(h, w) < limitSideLength { ratio = Double(limitSideLength) / Double(min(h, w)) }
        if Double(max(h, w)) * ratio > Double(maxInputSide) {
            ratio = Double(maxInputSide) / Double(max(h, w))
            return (max(TextDetector.multipleOf32(Int(Double(h) * ratio)), 32), max(TextDetector.multipleOf32(Int(Double(w) * ratio)), 32))
        }
        return (TextDetector.multipleOf32(Int(Double(h) * ratio)), TextDetector.multipleOf32(Int(Double(w) * ratio)))
    }

    /// Python's `round(n / 32) * 32` (ties to even), as the reference does.
    static func multipleOf32(_ n: Int) -> Int { Int((Double(n) / 32).rounded(.toNearestOrEven)) * 32 }

    /// Boxes of the probability map (`width` × `height`), scaled to the destination size.
    func boxesFromMap(_ map: UnsafeBufferPointer<Float>, width: Int, height: Int, destWidth: Int, destHeight: Int) -> [Quad] {
        // Threshold, then dilate by a 2×2 kernel anchored at its centre (OpenCV's anchor (1, 1)):
        // a pixel is set when it or its left, upper or upper-left neighbour is over the threshold.
        var bits = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width where map[y * width + x] > threshold {
                bits[y * width + x] = 1
                if x + 1 < width { bits[y * width + x + 1] = 1 }
                if y + 1 < height {
                    bits[(y + 1) * width + x] = 1
                    if x + 1 < width { bits[(y + 1) * width + x + 1] = 1 }
                }
            }
        }
        var boxes: [Quad] = []
        for region in Regions.of(bits, width: width, height: height).prefix(maxCandidates) {
            let (rect, side) = BoxGeometry.minAreaRect(region)
            if side < minSize { continue }
            if score(map, width: width, height: height, rect) < boxThreshold { continue }
            let (area, length) = BoxGeometry.areaAndPerimeter(rect)
            let grown = BoxGeometry.offsetRound(rect, by: length > 0 ? area * unclipRatio / length : 0)
            let (box, grownSide) = BoxGeometry.minAreaRect(grown)
            if grownSide < minSize + 2 { continue }
            boxes.append(box.map { p in
                Point(x: min(max((p.x / Double(width) * Double(destWidth)).rounded(.toNearestOrEven), 0), Double(destWidth)),
                      y: min(max((p.y / Double(height) * Double(destHeight)).rounded(.toNearestOrEven), 0), Double(destHeight)))
            })
        }
        return boxes
    }

    /// Mean probability inside the box (the reference's "fast" score: over the box's polygon,
    /// vertices truncated to whole pixels, edges included).
    func score(_ map: UnsafeBufferPointer<Float>, width: Int, height: Int, _ box: [Point]) -> Double {
        let xs = box.map(\.x), ys = box.map(\.y)
        let x0 = min(max(Int(xs.min()!.rounded(.down)), 0), width - 1), x1 = min(max(Int(xs.max()!.rounded(.up)), 0), width - 1)
        let y0 = min(max(Int(ys.min()!.rounded(.down)), 0), height - 1), y1 = min(max(Int(ys.max()!.rounded(.up)), 0), height - 1)
        let poly = box.map { Point(x: Double(Int($0.x) - x0), y: Double(Int($0.y) - y0)) }
        var sum = 0.0, count = 0
        for y in y0...y1 {
            for x in x0...x1 where Regions.inside(Point(x: Double(x - x0), y: Double(y - y0)), poly) {
                sum += Double(map[y * width + x]); count += 1
            }
        }
        return count == 0 ? 0 : sum / Double(count)
    }

    /// Orders the corners, clips them to the image (whole pixels), and drops boxes 3 px or less
    /// across (the reference's filter_tag_det_res).
    static func tidy(_ box: Quad, width: Int, height: Int) -> Quad? {
        let q = BoxGeometry.ordered(box).map { p in
            Point(x: Double(Int(min(max(p.x, 0), Double(width - 1)))), y: Double(Int(min(max(p.y, 0), Double(height - 1)))))
        }
        if Int(BoxGeometry.distance(q[0], q[1])) <= 3 || Int(BoxGeometry.distance(q[0], q[3])) <= 3 { return nil }
        return q
    }

    /// Top to bottom by the top-left corner, then boxes whose tops are within 10 px swapped into
    /// left-to-right order (the reference's sorted_boxes, including its one-pass bubble).
    static func readingOrder(_ boxes: [Quad]) -> [Quad] {
        var b = boxes.enumerated().sorted { l, r in
            let a = l.element[0], c = r.element[0]
            return a.y != c.y ? a.y < c.y : (a.x != c.x ? a.x < c.x : l.offset < r.offset)
        }.map(\.element)
        if b.count < 2 { return b }
        for i in 0..<(b.count - 1) {
            var j = i
            while j >= 0 {
                if abs(b[j + 1][0].y - b[j][0].y) < 10 && b[j + 1][0].x < b[j][0].x {
                    b.swapAt(j, j + 1)
                    j -= 1
                } else {
                    break
                }
            }
        }
        return b
    }
}

/// 8-connected regions of a binary map, found run by run (OpenCV traces the same regions'
/// outlines with findContours). Each region is given by the two end pixels of each of its runs:
/// enough for its convex hull, which is all the box needs.
enum Regions {
    static func of(_ bits: [UInt8], width: Int, height: Int) -> [[Point]] {
        var runY: [Int32] = [], runX0: [Int32] = [], runX1: [Int32] = []
        var parent: [Int32] = []
        func find(_ i: Int32) -> Int32 {
            var r = i
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var k = i
            while parent[Int(k)] != r { let n = parent[Int(k)]; parent[Int(k)] = r; k = n }
            return r
        }
        var previous = 0..<0
        bits.withUnsafeBufferPointer { b in
            for y in 0..<height {
                let start = runY.count
                var x = 0
                let row = y * width
                while x < width {
                    if b[row + x] == 0 { x += 1; continue }
                    let x0 = x
                    while x < width && b[row + x] != 0 { x += 1 }
                    let id = Int32(runY.count)
                    runY.append(Int32(y)); runX0.append(Int32(x0)); runX1.append(Int32(x - 1)); parent.append(id)
                    // Join the runs of the row above that touch this one, diagonals included.
                    for p in previous where runX0[p] <= Int32(x) && runX1[p] >= Int32(x0) - 1 {
                        let a = find(Int32(p)), c = find(id)
                        if a != c { parent[Int(max(a, c))] = min(a, c) }
                    }
                }
                previous = start..<runY.count
            }
        }
        // Regions in the order of their first run (raster order), each with its run ends.
        var index: [Int32: Int] = [:]
        var regions: [[Point]] = []
        for i in 0..<runY.count {
            let r = find(Int32(i))
            let k: Int
            if let e = index[r] { k = e } else { k = regions.count; index[r] = k; regions.append([]) }
            let y = Double(runY[i])
            regions[k].append(Point(x: Double(runX0[i]), y: y))
            if runX1[i] != runX0[i] { regions[k].append(Point(x: Double(runX1[i]), y: y)) }
        }
        return regions
    }

    /// Whether `p` is inside the convex polygon or on its edge.
    static func inside(_ p: Point, _ poly: [Point]) -> Bool {
        var sign = 0.0
        for i in 0..<poly.count {
            let a = poly[i], b = poly[(i + 1) % poly.count]
            let c = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
            if c == 0 { continue }
            if sign == 0 { sign = c } else if (c > 0) != (sign > 0) { return false }
        }
        return true
    }
}
