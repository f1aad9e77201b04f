import JSONLines
import RecordKeys
import TextViews

/// Adds the `model` key to records (`ModelValue`): `{"label", "p", "top": [[label, p], ...]}`, or
/// for a record whose task the model does not know `{"label": null, "p": 0, "top": [], "reason": ...}`.
final class Predictor {
    let model: Model
    let reader: SampleReader
    let top: Int
    let key: FieldPath
    private var rows: [Int32] = []
    private var values: [Float] = []
    private var probs: [Float] = []
    private var z: [Float] = []

    init(model: Model, reader: SampleReader, top: Int, key: FieldPath = FieldPath(ModelValue.key)) {
        self.model = model
        self.reader = reader
        self.top = top
        self.key = key
        self.featuriser = Featuriser(model.features)
        self.headRecords = [Int](repeating: 0, count: model.heads.count)
        self.headSawText = [Bool](repeating: false, count: model.heads.count)
        self.headWithoutVectors = [Int](repeating: 0, count: model.heads.count)
        let f = reader.fields
        self.textBytes = TextBytes(text: f.text, dialogue: f.dialogue, ocr: f.ocr)
    }

    /// The `model` value for `record`.
    func predict(_ record: Record) throws -> JSON {
        let task = try reader.task(record)
        guard let head = model.head(for: task) else {
            let known = model.heads.map(\.task).filter { !$0.isEmpty }.joined(separator: ", ")
            let reason = task.map { "the model has no head for task \"\($0)\" (it knows: \(known))" }
                ?? "the record has no task and the model has no head for records without one (it knows: \(known))"
            return ModelValue(noLabel: reason).json
        }
        let best = try rank(record, task: task, head: head)
        var result = value(best, head: head)
        if explainTop > 0, let example = lastExample {
            let explainer = Explainer(model.features)
            result.explain = explainer.explain(example, label: best[0], head: head,
                                               names: explainer.names(textBytes, task: task, head: head), top: explainTop)
        }
        return result.json
    }

    /// The `model` value from already extracted features (cross-validation extracts once).
    func predict(raw: RawText, image: [Float]?, embedding: EmbeddingValue? = nil, head: Head) -> JSON {
        head.vocabulary.weigh(raw, config: model.features, views: head.views, higher: head.higher, chars: head.chars, rows: &rows, values: &values)
        return value(rank(rows: rows, values: values, image: image, embedding: embedding, head: head), head: head).json
    }

    private func value(_ best: [Int], head: Head) -> ModelValue {
        ModelValue(label: head.labels[best[0]], p: probs[best[0]], top: top > 0 ? best.map { (head.labels[$0], probs[$0]) } : [])
    }

    /// `--explain`: how many features to list per record (0: none, and the fast writer is used).
    var explainTop = 0
    /// The last example ranked, kept only when explaining.
    private var lastExample: Example?

    /// The classes of the top k by probability (into `probs`); ties go to the label that sorts
    /// first (labels are sorted), so the order depends on nothing but the numbers.
    /// With an embedding head, the probabilities are the mix of both heads' (`EmbeddingHead`);
    /// a record without its vectors gets the n-gram head's alone (and returns `false` in
    /// `mixed`).
    private func rank(rows: [Int32], values: [Float], image: [Float]?, embedding: EmbeddingValue?, head: Head) -> [Int] {
        var dense: [Float]? = nil
        if head.denseCount > 0, var x = image { head.standardise(&x); dense = x }
        let example = Example(rows: rows, values: values, dense: dense, label: 0)
        head.probabilities(example, into: &probs, scratch: &z)
        mixed = false
        if let e = head.embedding, let x = e.input(embedding) {
            e.head.probabilities(Example(rows: [], values: [], dense: x, label: 0), into: &embeddingProbs, scratch: &z)
            e.mix(&probs, with: embeddingProbs)
            mixed = true
        }
        if explainTop > 0 { lastExample = example }
        best.removeAll(keepingCapacity: true)
        let k = min(max(1, top), head.classes)
        for j in 0..<head.classes {
            if best.count == k && probs[j] <= probs[best[k - 1]] { continue }
            var pos = best.count
            while pos > 0 && probs[j] > probs[best[pos - 1]] { pos -= 1 }
            best.insert(j, at: pos)
            if best.count > k { best.removeLast() }
        }
        return best
    }
    private var best: [Int] = []
    private var embeddingProbs: [Float] = []
    /// Whether the last `rank` mixed in the embedding head.
    private var mixed = false

    /// `rank` of a record: the normalised bytes of the views the head reads, straight from the
    /// record's JSON (TextViews' `TextBytes`, no String per record), to the head's weighted vector
    /// (`Featuriser`).
    /// Throws `RecordError` when a field it reads has the wrong type (nothing is written then).
    private func rank(_ record: Record, task: String?, head: Head) throws -> [Int] {
        if lastHead !== head {
            let config = model.features
            lastHead = head
            lastHeadIndex = model.heads.firstIndex { $0 === head }!
            headFields = config.views.enumerated().filter { config.keeps(namespace: $0.offset, views: head.views) }.map(\.element)
        }
        textBytes.load(record, views: headFields)
        if let problem = textBytes.mistyped { throw RecordError(problem) }
        noteText()
        featuriser.weigh(textBytes, task: task, head: head)
        var embedding: EmbeddingValue? = nil
        if head.embedding != nil { embedding = try EmbeddingValue.read(from: record, at: reader.embeddingField ?? FieldPath(EmbeddingHead.defaultField)) }
        let best = rank(rows: featuriser.rows, values: featuriser.values, image: head.denseCount > 0 ? try reader.image(record) : nil, embedding: embedding, head: head)
        // A record whose every view the head reads is `null` had no text there: the n-gram head
        // alone is its answer, not a sign that kdsl-embed was not run.
        if let e = head.embedding, !mixed,
           !(embedding?.encoder == e.encoder && e.views.allSatisfy { embedding?.nullViews.contains($0) == true }) {
            headWithoutVectors[lastHeadIndex] += 1
        }
        return best
    }
    /// Per head (in `model.heads` order): records predicted, and whether any of them had text in
    /// a view the head reads, for the end-of-run check (`reportEmptyViews`). Once a head has seen
    /// text, a record costs one increment.
    private(set) var headRecords: [Int]
    private(set) var headSawText: [Bool]
    /// Per head with an embedding head: records predicted without its vectors (n-gram head alone).
    private(set) var headWithoutVectors: [Int]

    private func noteText() {
        let i = lastHeadIndex
        headRecords[i] += 1
        if !headSawText[i] { headSawText[i] = headFields.contains { field in textBytes.withView(field) { $0.count > 0 } } }
    }

    /// One per predictor (so one per worker thread: it is not thread-safe).
    private let textBytes: TextBytes
    /// The views the last head seen reads: records of one task come in runs, so this is
    /// computed once per run rather than once per record.
    private var lastHead: Head?
    private var lastHeadIndex = 0
    private var headFields: [TextView] = []
    /// Not `lazy`: a mutating call on a lazy property copies it out and back, so every buffer
    /// of the featuriser would be copied on write for every record.
    private var featuriser: Featuriser

    // MARK: Streaming fast path

    /// Appends the bytes of `record` with `"model":{...}` spliced in by JSONLines'
    /// `Record.serialize(adding:)`, the same bytes `Record.set` + `serialize` give, without
    /// building a JSON tree: labels are quoted once per head and probabilities printed directly.
    /// Returns false (nothing appended) when the record needs the general path: it already has a
    /// `model` key, took jansson's slow path, its task is unknown, or it is to be explained.
    func appendFast(_ record: Record, to out: inout [UInt8]) throws -> Bool {
        guard key.keys.count == 1, explainTop == 0 else { return false }
        let task = try reader.task(record)
        guard let head = model.head(for: task) else { return false }
        return try record.serialize(adding: key.keys[0], into: &out) { out in
            let best = try rank(record, task: task, head: head)
            let quoted = quotedLabels(head)
            ModelValue.Bytes.begin(quotedLabel: quoted[best[0]], p: probs[best[0]], into: &out)
            if top > 0 {
                for (n, j) in best.enumerated() { ModelValue.Bytes.top(quotedLabel: quoted[j], p: probs[j], first: n == 0, into: &out) }
            }
            ModelValue.Bytes.end(into: &out)
        }
    }

    private var quotedCache: [ObjectIdentifier: [[UInt8]]] = [:]

    private func quotedLabels(_ head: Head) -> [[UInt8]] {
        if let q = quotedCache[ObjectIdentifier(head)] { return q }
        let q = head.labels.map { l -> [UInt8] in var b: [UInt8] = []; JSON.appendQuoted(l, to: &b); return b }
        quotedCache[ObjectIdentifier(head)] = q
        return q
    }

    func apply(_ record: inout Record) throws {
        record.set(key, try predict(record))
    }
}
