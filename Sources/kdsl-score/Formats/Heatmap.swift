import Basics
import JSONLines

/// A confusion matrix drawn as an inline SVG heatmap for the HTML report: one cell per (gold,
/// predicted) pair, rows gold, columns predicted and then `(none)` for the records without a
/// prediction. A cell's shade is its share of the gold row (so a small class reads as clearly as
/// a large one) and its number is the count. Every coordinate is a whole pixel computed from the
/// labels alone, so the same matrix gives the same bytes.
struct Heatmap {
    let confusion: Confusion
    /// Names the matrix for screen readers (`task = intent`).
    let title: String
    /// Unique within the page: the legend's gradient is referred to by it.
    let id: String

    /// Labels longer than this many display columns are cut with "…" (the full label is the
    /// element's tooltip), so one long label cannot push the grid off the page.
    static let labelColumns = 24
    /// Sequential blues (ColorBrewer "Blues", 9 classes), from share 0 to share 1.
    static let palette: [(Int, Int, Int)] = [
        (0xF7, 0xFB, 0xFF), (0xDE, 0xEB, 0xF7), (0xC6, 0xDB, 0xEF), (0x9E, 0xCA, 0xE1), (0x6B, 0xAE, 0xD6),
        (0x42, 0x92, 0xC6), (0x21, 0x71, 0xB5), (0x08, 0x51, 0x9C), (0x08, 0x30, 0x6B),
    ]
    static let labelFont = 12

    func svg() -> String {
        let labels = confusion.labels.map(\.text)
        let n = labels.count
        let columns = labels + ["(none)"]
        let cell = n <= 12 ? 36 : n <= 30 ? 28 : 20
        let rowWidth = max(labels.map { Self.textWidth(Self.cut($0)) }.max() ?? 0, Self.textWidth("gold \\ predicted"))
        let columnWidth = columns.map { Self.textWidth(Self.cut($0)) }.max() ?? 0
        // Column labels run up and to the right at 45°: they need cos 45° of their width above
        // the grid, and the last one as much beside it. Parallel labels one cell apart never
        // overlap while cell · sin 45° exceeds a line's height (the smallest cells, 20 px, leave
        // 14 px between the labels' baselines: room for 12 px text).
        let slant = columnWidth * 71 / 100
        let left = rowWidth + 14, top = slant + 14
        let gridWidth = columns.count * cell, gridHeight = n * cell
        let caption = "shade: share of the gold row; number: records"
        let width = max(left + max(gridWidth + 8, gridWidth - cell / 2 + slant + 8), left + Self.textWidth(caption) + 8)
        let legendTop = top + gridHeight + 18
        let height = legendTop + 48

        var out = "<svg class=\"heatmap\(cell < 28 ? " small" : "")\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"confusion matrix, \(htmlEscape(title))\">\n"
        out += "<text class=\"axis\" x=\"\(left - 8)\" y=\"\(top - 8)\" text-anchor=\"end\">gold \\ predicted</text>\n"
        for (j, label) in columns.enumerated() {
            let x = left + j * cell + cell / 2 + 4, y = top - 6
            out += "<text class=\"col\" transform=\"translate(\(x),\(y)) rotate(-45)\"\(j == n ? " font-style=\"italic\"" : "")>\(Self.labelText(label))</text>\n"
        }
        for (i, label) in labels.enumerated() {
            let y = top + i * cell + cell / 2
            out += "<text class=\"row\" x=\"\(left - 8)\" y=\"\(y)\">\(Self.labelText(label))</text>\n"
        }
        for (i, gold) in labels.enumerated() {
            let counts = confusion.matrix[i] + [confusion.noPrediction[i]]
            let rowTotal = counts.reduce(0, +)
            for (j, count) in counts.enumerated() {
                let share = ratio(count, rowTotal)
                let x = left + j * cell, y = top + i * cell
                let predicted = j == n ? "no prediction" : "predicted " + columns[j]
                let percent = Decimals.fixed(share * 100, places: 1)
                out += "<rect class=\"cell\(i == j ? " diagonal" : "")\" x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(Self.colour(share))\">"
                out += "<title>gold \(htmlEscape(gold)), \(htmlEscape(predicted)): \(count) (\(percent)% of the row)</title></rect>\n"
                let ink = count == 0 ? "#8c959f" : share > 0.5 ? "#ffffff" : "#1b1f24"
                out += "<text class=\"count\" x=\"\(x + cell / 2)\" y=\"\(y + cell / 2)\" fill=\"\(ink)\">\(count)</text>\n"
            }
        }
        // The legend: the scale from 0 to 100% of a gold row.
        let stops = Self.palette.indices.map { k in
            "<stop offset=\"\(Decimals.fixed(Double(k) / Double(Self.palette.count - 1), places: 3))\" stop-color=\"\(Self.hex(Self.palette[k]))\"/>"
        }.joined()
        let gradient = id + "-scale"
        out += "<defs><linearGradient id=\"\(gradient)\">\(stops)</linearGradient></defs>\n"
        out += "<rect x=\"\(left)\" y=\"\(legendTop)\" width=\"160\" height=\"10\" fill=\"url(#\(gradient))\" stroke=\"#d0d7de\"/>\n"
        out += "<text class=\"legend\" x=\"\(left)\" y=\"\(legendTop + 24)\">0%</text>"
        out += "<text class=\"legend\" x=\"\(left + 160)\" y=\"\(legendTop + 24)\" text-anchor=\"end\">100%</text>\n"
        out += "<text class=\"legend\" x=\"\(left)\" y=\"\(legendTop + 40)\">\(caption)</text>\n"
        return out + "</svg>\n"
    }

    /// A label for the grid's edge: cut to `labelColumns`, escaped, with the whole label as its
    /// tooltip when it was cut.
    static func labelText(_ label: String) -> String {
        let shown = cut(label)
        return htmlEscape(shown) + (shown == label ? "" : "<title>\(htmlEscape(label))</title>")
    }

    /// `label` cut to at most `labelColumns` display columns, whole characters, "…" at the end.
    static func cut(_ label: String) -> String {
        guard displayWidth(label) > labelColumns else { return label }
        var out = "", width = 0
        for c in label {
            let w = displayWidth(String(c))
            if width + w > labelColumns - 1 { break }
            out.append(c)
            width += w
        }
        return out + "…"
    }

    /// An estimate of `text`'s width in pixels at `labelFont`: 7 px a display column (Latin letters
    /// average about 0.55 em, a CJK character is 1 em, two columns). Only the margins depend on it.
    static func textWidth(_ text: String) -> Int { displayWidth(text) * 7 }

    /// The palette's colour at `share` (0...1), interpolated between its two nearest stops.
    static func colour(_ share: Double) -> String {
        let t = min(max(share, 0), 1) * Double(palette.count - 1)
        let k = min(Int(t), palette.count - 2)
        let f = t - Double(k)
        let a = palette[k], b = palette[k + 1]
        func mix(_ x: Int, _ y: Int) -> Int { Int((Double(x) + (Double(y) - Double(x)) * f).rounded()) }
        return hex((mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2)))
    }

    static func hex(_ rgb: (Int, Int, Int)) -> String {
        func two(_ v: Int) -> String { let s = String(v, radix: 16); return s.count == 1 ? "0" + s : s }
        return "#" + two(rgb.0) + two(rgb.1) + two(rgb.2)
    }
}
