#if canImport(Glibc)
import Glibc
#endif

/// Plane geometry the DB text detector's post-processing needs: convex hulls, minimum-area
/// rectangles (rotating calipers), quadrilateral ordering and the perspective map of a crop.
struct Point: Equatable {
    var x: Double
    var y: Double
}

/// A text box as four corners: top-left, top-right, bottom-right, bottom-left.
typealias Quad = [Point]

enum BoxGeometry {
    /// Convex hull (Andrew's monotone chain), counter-clockwise, without collinear points.
    static func convexHull(_ points: [Point]) -> [Point] {
        let p = points.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        if p.count < 3 { return p }
        func cross(_ o: Point, _ a: Point, _ b: Point) -> Double { (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x) }
        var lower: [Point] = [], upper: [Point] = []
        for q in p {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], q) <= 0 { lower.removeLast() }
            lower.append(q)
        }
        for q in p.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], q) <= 0 { upper.removeLast() }
            upper.append(q)
        }
        return Array(lower.dropLast() + upper.dropLast())
    }

    /// The minimum-area enclosing rectangle of `points` (OpenCV's `minAreaRect` + `boxPoints`): its
    /// four corners and its shorter side. Degenerate inputs (one point, a segment) give side 0.
    static func minAreaRect(_ points: [Point]) -> (corners: [Point], shortSide: Double) {
        let hull = convexHull(points)
        if hull.count == 1 { return ([hull[0], hull[0], hull[0], hull[0]], 0) }
        var best = Double.infinity
        var corners: [Point] = []
        var shortSide = 0.0
        for i in 0..<hull.count {
            let a = hull[i], b = hull[(i + 1) % hull.count]
            let len = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            if len == 0 { continue }
            let ux = (b.x - a.x) / len, uy = (b.y - a.y) / len
            var minU = Double.infinity, maxU = -Double.infinity, minV = Double.infinity, maxV = -Double.infinity
            for q in hull {
                let u = q.x * ux + q.y * uy, v = -q.x * uy + q.y * ux
                minU = min(minU, u); maxU = max(maxU, u); minV = min(minV, v); maxV = max(maxV, v)
            }
            let area = (maxU - minU) * (maxV - minV)
            if area < best - 1e-9 {
                best = area
                func at(_ u: Double, _ v: Double) -> Point { Point(x: u * ux - v * uy, y: u * uy + v * ux) }
                corners = [at(minU, minV), at(maxU, minV), at(maxU, maxV), at(minU, maxV)]
                shortSide = min(maxU - minU, maxV - minV)
            }
        }
        return (corners, shortSide)
    }

    /// The polygon offset outwards by `delta` with round joins, as the Clipper library does it
    /// (pyclipper's ClipperOffset, JT_ROUND, arc tolerance 0.25), which PaddleOCR's "unclip" calls:
    /// the vertices are truncated to whole pixels on the way in (Clipper works on integers) and
    /// every point of the result is rounded. Convex input (a box) gives a convex result.
    static func offsetRound(_ polygon: [Point], by delta: Double) -> [Point] {
        var p = polygon.map { Point(x: $0.x.rounded(.towardZero), y: $0.y.rounded(.towardZero)) }
        // Consecutive duplicates (and a closing duplicate) are dropped, as Clipper's AddPath does.
        var cleaned: [Point] = []
        for q in p where cleaned.last != q { cleaned.append(q) }
        while cleaned.count > 1 && cleaned.first == cleaned.last { cleaned.removeLast() }
        p = cleaned
        if p.count < 3 || delta <= 0 { return p }
        // Clipper expands a polygon of positive signed area with a positive delta.
        var signed = 0.0
        for i in 0..<p.count { let a = p[i], b = p[(i + 1) % p.count]; signed += a.x * b.y - b.x * a.y }
        if signed < 0 { p.reverse() }
        let n = p.count
        let normals: [Point] = (0..<n).map { j in
            let a = p[j], b = p[(j + 1) % n]
            let dx = b.x - a.x, dy = b.y - a.y, f = 1 / (dx * dx + dy * dy).squareRoot()
            return Point(x: dy * f, y: -dx * f)
        }
        let tolerance = delta < 1 ? delta * 0.25 : 0.25
        var steps = Double.pi / acos(1 - tolerance / delta)
        if steps > delta * Double.pi { steps = delta * Double.pi }
        let stepSin = sin(2 * Double.pi / steps), stepCos = cos(2 * Double.pi / steps), stepsPerRad = steps / (2 * Double.pi)
        func at(_ j: Int, _ nx: Double, _ ny: Double) -> Point {
            Point(x: (p[j].x + nx * delta).rounded(.toNearestOrAwayFromZero), y: (p[j].y + ny * delta).rounded(.toNearestOrAwayFromZero))
        }
        var out: [Point] = []
        var k = n - 1
        for j in 0..<n {
            let nk = normals[k], nj = normals[j]
            var sinA = nk.x * nj.y - nj.x * nk.y
            let cosA = nk.x * nj.x + nk.y * nj.y
            if abs(sinA * delta) < 1 && cosA > 0 {
                out.append(at(j, nk.x, nk.y))
            } else {
                sinA = min(1, max(-1, sinA))
                if sinA * delta < 0 {
                    out.append(at(j, nk.x, nk.y)); out.append(p[j]); out.append(at(j, nj.x, nj.y))
                } else {
                    let a = atan2(sinA, cosA)
                    let count = max(Int((stepsPerRad * abs(a)).rounded(.toNearestOrAwayFromZero)), 1)
                    var x = nk.x, y = nk.y
                    for _ in 0..<count {
                        out.append(at(j, x, y))
                        let x2 = x
                        x = x * stepCos - stepSin * y
                        y = x2 * stepSin + y * stepCos
                    }
                    out.append(at(j, nj.x, nj.y))
                }
            }
            k = j
        }
        return out
    }

    /// Shoelace area and perimeter of a polygon.
    static func areaAndPerimeter(_ poly: [Point]) -> (Double, Double) {
        var area = 0.0, length = 0.0
        for i in 0..<poly.count {
            let a = poly[i], b = poly[(i + 1) % poly.count]
            area += a.x * b.y - b.x * a.y
            length += ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
        }
        return (abs(area) / 2, length)
    }

    /// The corners ordered top-left, top-right, bottom-right, bottom-left: the two leftmost by x
    /// are the left side (upper one first), the other two the right side.
    static func ordered(_ pts: [Point]) -> Quad {
        let xs = pts.enumerated().sorted { $0.element.x != $1.element.x ? $0.element.x < $1.element.x : $0.offset < $1.offset }.map(\.element)
        let left = xs[0].y <= xs[1].y ? [xs[0], xs[1]] : [xs[1], xs[0]]
        let right = xs[2].y <= xs[3].y ? [xs[2], xs[3]] : [xs[3], xs[2]]
        return [left[0], right[0], right[1], left[1]]
    }

    static func distance(_ a: Point, _ b: Point) -> Double { ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() }

    /// The homography taking (0,0), (w,0), (w,h), (0,h) to the quad's corners: for each pixel of
    /// an upright crop, where to sample the source image. Nil when the corners are degenerate.
    static func perspective(toQuad q: Quad, width w: Double, height h: Double) -> [Double]? {
        let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
        // Solve for H (h33 = 1): x' = (a x + b y + c) / (g x + h y + 1), y' likewise.
        var m = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 8)
        for i in 0..<4 {
            let (x, y) = src[i], X = q[i].x, Y = q[i].y
            m[2 * i] = [x, y, 1, 0, 0, 0, -x * X, -y * X, X]
            m[2 * i + 1] = [0, 0, 0, x, y, 1, -x * Y, -y * Y, Y]
        }
        for col in 0..<8 {
            var pivot = col
            for r in col..<8 where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
            if abs(m[pivot][col]) < 1e-12 { return nil }
            m.swapAt(col, pivot)
            for r in 0..<8 where r != col {
                let f = m[r][col] / m[col][col]
                if f == 0 { continue }
                for c in col..<9 { m[r][c] -= f * m[col][c] }
            }
        }
        return (0..<8).map { m[$0][8] / m[$0][$0] } + [1]
    }
}
