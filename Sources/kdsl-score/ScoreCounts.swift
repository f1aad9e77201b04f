import Basics
import JSONLines
import RecordKeys

/// A class label (or a group value) as its exact UTF-8 bytes.
///
/// Why bytes and not `String`: Swift compares strings by canonical equivalence, so a composed and a
/// decomposed "é" would be one label, while scikit-learn (numpy) keeps them apart. Bytes also give
/// the report its order: labels are sorted by their UTF-8 bytes, the same on every machine.
struct Label: Hashable, Comparable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]
    init(_ text: String) { bytes = Array(text.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var description: String { text }
    static func < (a: Label, b: Label) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
    // Hash the bytes in one go ([UInt8]'s own hash feeds the hasher byte by byte).
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    static func == (a: Label, b: Label) -> Bool { a.bytes == b.bytes }
}

/// Gives each distinct label (by bytes) a small integer, without allocating on a lookup hit:
/// counting a record costs a few probes instead of building and hashing label arrays.
struct LabelInterner: Sendable {
    private(set) var labels: [Label] = []
    private var slots = [Int32](repeating: -1, count: 64)
    private var hashes: [UInt64] = []

    /// The id of the label whose UTF-8 bytes are `bytes`, adding it when new.
    mutating func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        // FNV-1a: labels are short, and the table is ours, so no seeded hashing is needed.
        let h = FNV1a.hash(bytes)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot < 0 { break }
            if hashes[Int(slot)] == h && labels[Int(slot)].bytes.elementsEqual(bytes) { return slot }
            i = (i + 1) & mask
        }
        let id = Int32(labels.count)
        labels.append(Label(bytes: Array(bytes)))
        hashes.append(h)
        slots[i] = id
        if labels.count * 2 > slots.count { grow() }
        return id
    }

    /// The id of `text`'s label.
    mutating func id(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { id($0) }
    }

    /// The id of `label`.
    mutating func id(_ label: Label) -> Int32 { label.bytes.withUnsafeBufferPointer { id($0) } }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (id, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(id)
        }
    }
}

/// Orders optional labels with "none" first (used to sort cells deterministically).
func precedes(_ a: Label?, _ b: Label?) -> Bool {
    switch (a, b) {
    case (nil, nil): return false
    case (nil, _): return true
    case (_, nil): return false
    case let (x?, y?): return x < y
    }
}

/// The field paths a score was made with; carried in the counts so a merged report names them.
struct ScoreFields: Equatable, Sendable {
    var gold = FieldPath("label")
    var pred = PredictionValue.labelPath
    /// The grouping field (`--by`), or nil for no groups.
    var by: FieldPath? = nil
}

/// One cell of the (group, gold, predicted) contingency table. `pred == nil` is "no prediction";
/// `group == nil` is "no group value" (or no `--by`).
struct Cell: Hashable, Sendable {
    var group: Label?
    var gold: Label
    var pred: Label?
}

/// The mergeable counts behind a score: how many records fell in each (group, gold, predicted)
/// cell, plus the records left out for lack of a gold label.
///
/// These are sufficient statistics: every figure of the report (per-class precision, recall and F1,
/// the averages, the confusion matrix, per group and overall) is a function of them, and counts of
/// disjoint shards add up to the counts of the whole. That is what `--emit-counts` writes and
/// `--merge-counts` sums, so a sharded run reports exactly what the unsharded run does.
struct ScoreCounts: Sendable {
    var fields: ScoreFields
    /// Labels (gold and predicted) and group values, interned.
    private var labels = LabelInterner(), groups = LabelInterner()
    /// Counts by (group id or -1, gold id, predicted id or -1).
    private var table: [CellKey: Int] = [:]
    private struct CellKey: Hashable { var group: Int32, gold: Int32, pred: Int32 }
    /// Records without a (string) gold label: reported and left out of every figure.
    var noGold = 0
    /// Whether a counts header has fixed `fields` (when merging).
    private var sawHeader = false
    /// Records counted so far (cells and `noGold`), never above `maxTotal`.
    private(set) var total = 0
    /// The most records one run's counts may sum to: 2^53, where a Double still holds every
    /// integer, so every sum and ratio of the report is exact; merged counts past it are bad lines.
    static let maxTotal = 1 << 53

    init(fields: ScoreFields) { self.fields = fields }

    /// Adds `count` records to one cell.
    mutating func add(_ cell: Cell, count: Int = 1) {
        let key = CellKey(group: cell.group.map { groups.id($0) } ?? -1, gold: labels.id(cell.gold), pred: cell.pred.map { labels.id($0) } ?? -1)
        table[key, default: 0] += count
        total += count
    }

    /// The counts by cell.
    var cells: [Cell: Int] {
        var out: [Cell: Int] = [:]
        for (key, count) in table { out[cell(key)] = count }
        return out
    }

    private func cell(_ key: CellKey) -> Cell {
        Cell(group: key.group < 0 ? nil : groups.labels[Int(key.group)], gold: labels.labels[Int(key.gold)],
             pred: key.pred < 0 ? nil : labels.labels[Int(key.pred)])
    }

    /// The cells sorted by (group, gold, pred), "none" first: the deterministic order of the
    /// counts output and of every later step.
    var sortedCells: [(cell: Cell, count: Int)] {
        table.map { (cell: cell($0.key), count: $0.value) }.sorted { a, b in
            if a.cell.group != b.cell.group { return precedes(a.cell.group, b.cell.group) }
            if a.cell.gold != b.cell.gold { return a.cell.gold < b.cell.gold }
            return precedes(a.cell.pred, b.cell.pred)
        }
    }

    /// Records counted with no prediction, over all groups.
    var noPrediction: Int { table.reduce(0) { $0 + ($1.key.pred < 0 ? $1.value : 0) } }

    /// Records counted without a group value while a `--by` field was asked for.
    var ungrouped: Int { fields.by == nil ? 0 : table.reduce(0) { $0 + ($1.key.group < 0 ? $1.value : 0) } }

    // MARK: From records

    /// Counts one input record.
    ///
    /// - The gold label must be a string or an integer (read as its digits, `JSON.labelText`),
    ///   else the record is left out (`noGold`) and a `RecordError` reports it (the run exits 1).
    /// - The prediction is "none" when the record carries an `error` an upstream stage wrote (it
    ///   failed on the record) or the prediction is missing, null or not a string; it then counts as wrong.
    /// - The group (`--by`) may be a string, a number or a boolean (its JSON text); anything else
    ///   leaves the record ungrouped: it counts in the overall figures only.
    /// Counts one record; returns false when it has no prediction (counted wrong).
    @discardableResult
    mutating func add(record: Record) throws -> Bool {
        let goldValue = record.value(at: fields.gold)
        // Only an error a stage wrote: a user field that happens to be called `error` is data.
        let hasError = record.value(at: FieldPath(StageErrorValue.key)).flatMap { StageErrorValue(json: $0) } != nil
        guard let gold = goldValue?.labelText else {
            noGold += 1
            total += 1
            var why = goldValue.map { "the gold label at \"\(fields.gold)\" is \($0.labelKindName), expected a string or an integer" }
                ?? "no gold label at \"\(fields.gold)\""
            if hasError { why += " (the record carries an error from an earlier stage)" }
            throw RecordError(why + "; left out of the score")
        }
        var key = CellKey(group: -1, gold: labels.id(gold), pred: -1)
        if !hasError, let p = record.value(at: fields.pred)?.labelText { key.pred = labels.id(p) }
        if let by = fields.by {
            switch record.value(at: by) {
            case .string(let s)?: key.group = groups.id(s)
            case let v? where v.doubleValue != nil: key.group = groups.id(v.serialized)
            case .bool(let b)?: key.group = groups.id(b ? "true" : "false")
            default: break
            }
        }
        table[key, default: 0] += 1
        total += 1
        return key.pred >= 0
    }

    // MARK: The counts format (--emit-counts / --merge-counts)

    /// The counts as JSON Lines (see docs/records.md): one header, one line per
    /// non-empty cell in sorted order, one `no_gold` line.
    func countLines() -> [JSON] {
        var lines: [JSON] = [.object([
            ("kind", "header"), ("version", 1),
            ("gold", .string(fields.gold.description)), ("pred", .string(fields.pred.description)),
            ("by", .string(orNull: fields.by?.description)),
        ])]
        for (cell, count) in sortedCells {
            lines.append(.object([
                ("kind", "cell"),
                ("group", .string(orNull: cell.group?.text)),
                ("gold", .string(cell.gold.text)),
                ("pred", .string(orNull: cell.pred?.text)),
                ("count", .int(Int64(count))),
            ]))
        }
        lines.append(.object([("kind", "no_gold"), ("count", .int(Int64(noGold)))]))
        return lines
    }

    /// Adds one line of counts output. A malformed line is a `RecordError` (reported, exit 1);
    /// headers that disagree (counts of different runs) are a `SetupError` (exit 2).
    mutating func absorb(countLine record: Record) throws {
        guard case .string(let kind)? = record.value(at: "kind") else {
            throw RecordError("not a kdsl-score counts line: no \"kind\" string (is this --emit-counts output?)")
        }
        switch kind {
        case "header":
            guard case .int(1)? = record.value(at: "version") else {
                throw RecordError("unsupported counts version \(record.value(at: "version")?.serialized ?? "(none)")")
            }
            guard let gold = record.string(at: "gold"), let pred = record.string(at: "pred"), let byValue = record.value(at: "by"),
                  byValue.isNull || byValue.stringValue != nil else {
                throw RecordError("a counts header needs \"gold\" and \"pred\" strings and \"by\" (string or null)")
            }
            let theirs = ScoreFields(gold: FieldPath(gold), pred: FieldPath(pred), by: byValue.stringValue.map { FieldPath($0) })
            if sawHeader && theirs != fields {
                throw SetupError("\(record.location): counts of different runs cannot be merged: --label-field \(gold) --pred-field \(pred) --group-field \(byValue.stringValue ?? "(none)") here, --label-field \(fields.gold) --pred-field \(fields.pred) --group-field \(fields.by?.description ?? "(none)") before")
            }
            fields = theirs
            sawHeader = true
        case "cell":
            guard let gold = record.string(at: "gold"), let count = Self.count(record),
                  let groupValue = record.value(at: "group"), groupValue.isNull || groupValue.stringValue != nil,
                  let predValue = record.value(at: "pred"), predValue.isNull || predValue.stringValue != nil else {
                throw RecordError("a counts cell needs \"group\" (string or null), \"gold\" (string), \"pred\" (string or null) and \"count\" (integer >= 0)")
            }
            try checkRoom(count)
            if count > 0 {
                add(Cell(group: groupValue.stringValue.map(Label.init), gold: Label(gold), pred: predValue.stringValue.map(Label.init)), count: count)
            }
        case "no_gold":
            guard let count = Self.count(record) else { throw RecordError("a counts no_gold line needs \"count\" (integer >= 0)") }
            try checkRoom(count)
            noGold += count
            total += count
        default:
            throw RecordError("unknown counts line kind \"\(kind)\"")
        }
    }

    /// A count that would take the total past `maxTotal` is a bad line (it cannot come from a
    /// real run, and summing it would overflow).
    private func checkRoom(_ count: Int) throws {
        guard count <= Self.maxTotal - total else {
            throw RecordError("count \(count) takes the merged total past 2^53 (\(Self.maxTotal)) records; no run holds that many")
        }
    }

    /// Checks merged counts are coherent: group values only where a header named a `--by` field.
    func validateMerged() throws {
        if fields.by == nil, table.keys.contains(where: { $0.group >= 0 }) {
            throw SetupError("the counts carry group values but no header names a --group-field field")
        }
    }

    private static func count(_ record: Record) -> Int? {
        guard case .int(let n)? = record.value(at: "count"), n >= 0 else { return nil }
        return Int(n)
    }
}
