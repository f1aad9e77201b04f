import Shared

/// Adds the `model` key to records: `{"label", "p", "top": [[label, p], ...]}`, or for a record
/// whose task the model does not know `{"label": null, "p": 0, "top": [], "reason": ...}`.
final class Predictor {
    let model: Model
    let reader: SampleReader
    let top: Int
    let key: FieldPath
    private var raw = RawText()
    private var rows: [Int32] = []
    private var values: [Float] = []
    private var probs: [Float] = []
    private var z: [Float] = []

    init(model: Model, reader: SampleReader, top: Int, key: FieldPath = "model") {
        self.model = model
        self.reader = reader
        self.top = top
        self.key = key
    }

    /// The probabilities are written with 4 decimals: enough to rank and threshold, and the
    /// same bytes on every machine.
    @inline(__always) static func rounded(_ p: Float) -> JSON { .double((Double(p) * 10000).rounded() / 10000) }

    /// The `model` value for `record`.
    func predict(_ record: Record) -> JSON {
        let task = reader.task(record)
        guard let head = model.head(for: task) else {
            let known = model.heads.map(\.task).filter { !$0.isEmpty }.joined(separator: ", ")
            let reason = task.map { "the model has no head for task \"\($0)\" (it knows: \(known))" }
                ?? "the record has no task and the model has no head for records without one (it knows: \(known))"
            return .object([("label", .null), ("p", .int(0)), ("top", .array([])), ("reason", .string(reason))])
        }
        reader.text(record, into: &raw)
        return predict(raw: raw, image: head.denseCount > 0 ? reader.image(record) : nil, head: head)
    }

    /// The `model` value from already extracted features (cross-validation extracts once).
    func predict(raw: RawText, image: [Float]?, head: Head) -> JSON {
        head.vocabulary.weigh(raw, config: model.features, rows: &rows, values: &values)
        var dense: [Float]? = nil
        if head.denseCount > 0, var x = image { head.standardise(&x); dense = x }
        head.probabilities(Example(rows: rows, values: values, dense: dense, label: 0), into: &probs, scratch: &z)
        // Top k by probability; ties go to the label that sorts first (labels are sorted), so
        // the order never depends on anything but the numbers.
        var best: [Int] = []
        let k = min(max(1, top), head.classes)
        for j in 0..<head.classes {
            if best.count == k && probs[j] <= probs[best[k - 1]] { continue }
            var pos = best.count
            while pos > 0 && probs[j] > probs[best[pos - 1]] { pos -= 1 }
            best.insert(j, at: pos)
            if best.count > k { best.removeLast() }
        }
        let first = best[0]
        var members: [(String, JSON)] = [("label", .string(head.labels[first])), ("p", Predictor.rounded(probs[first]))]
        if top > 0 {
            members.append(("top", .array(best.map { .array([.string(head.labels[$0]), Predictor.rounded(probs[$0])]) })))
        } else {
            members.append(("top", .array([])))
        }
        return .object(members)
    }

    func apply(_ record: inout Record) {
        record.set(key, predict(record))
    }
}
