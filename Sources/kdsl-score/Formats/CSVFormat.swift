/// The report as one CSV table (`--format csv`, RFC 4180): for spreadsheets and CSV tools. Every
/// line of the table is a row, and the first columns say where it belongs, so one file holds the
/// whole report and filters cleanly (`scope == "group" && row == "class"`). docs/records.md
/// documents the columns.
struct CSVFormat {
    let report: F1Report
    let confusion: Bool

    static let header = ["scope", "group", "row", "label", "predicted", "precision", "recall", "f1", "support", "count"]

    func render() -> String {
        var out = Self.line(Self.header)
        for scope in report.scopes {
            let place = scope.group.map { ["group", inert($0.text)] } ?? ["overall", ""]
            for r in scope.section.rows {
                out += Self.line(place + [r.kind.rawValue, r.kind == .class ? inert(r.name) : "", "", r.precision, r.recall, r.f1, r.support, ""])
            }
            if confusion {
                let m = scope.section.confusion
                for (i, gold) in m.labels.enumerated() {
                    for (j, pred) in m.labels.enumerated() {
                        out += Self.line(place + ["confusion", inert(gold.text), inert(pred.text), "", "", "", "", String(m.matrix[i][j])])
                    }
                    out += Self.line(place + ["confusion_no_prediction", inert(gold.text), "", "", "", "", "", String(m.noPrediction[i])])
                }
            }
        }
        for row in report.summaryRows {
            let (f1, count): (String, String)
            switch row.value {
            case .score: (f1, count) = (row.text, "")
            case .count: (f1, count) = ("", row.text)
            }
            out += Self.line(["summary", "", row.key, "", "", "", "", f1, "", count])
        }
        return out
    }

    /// One record: fields joined by commas, ended by CRLF (RFC 4180).
    static func line(_ fields: [String]) -> String { fields.map(csvField).joined(separator: ",") + "\r\n" }
}

/// A label or group value as a spreadsheet will not run it: a value starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read as a formula (`=HYPERLINK(...)`), so it gets a
/// single quote in front, as OWASP's advice on CSV injection says; any other value is unchanged.
/// Only the columns that carry the data's own text get it: the figures are ours.
func inert(_ text: String) -> String {
    guard let first = text.utf8.first, [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D].contains(first) else { return text }
    return "'" + text
}

/// A CSV field as RFC 4180 writes it: quoted when it holds a comma, a double quote, a carriage
/// return or a line feed, with each double quote doubled; else as it is.
func csvField(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else { return text }
    var out = "\""
    for scalar in text.unicodeScalars {
        if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
    }
    return out + "\""
}
