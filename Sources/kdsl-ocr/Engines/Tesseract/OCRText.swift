/// Text clean-up applied to Tesseract's output.
enum OCRText {
    /// Drops trailing whitespace of every line and empty lines at both ends (Tesseract ends pages
    /// with blank lines). Inner text is kept as recognised, so the CLI's text compares equal.
    static func clean(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var l = line
            while let last = l.last, last == " " || last == "\t" || last == "\r" || last == "\u{0C}" { l = l.dropLast() }
            return l
        }
        while let f = lines.first, f.isEmpty { lines.removeFirst() }
        while let l = lines.last, l.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
