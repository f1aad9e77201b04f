import JSONLines
import RecordKeys
import TextViews

/// `kdsl-model predict --explain`: the features behind a record's label, by occlusion (as
/// Vowpal Wabbit's `--audit` lists a prediction's features with their weights, but for either
/// head kind): for each entry of the record's weighted vector, how far the label's probability
/// falls when that entry alone is left out; the image block (pixel summary, gradients, layout
/// numbers) counts as one entry. The largest falls are the features the label rests on.
///
/// The names are found the reference way: the view's normalised text is tokenised with
/// `Tokenizer` (words, CJK characters, the `lines` view's lines), each n-gram hashed as the model
/// hashes it, and the entry named by the n-grams that land on its row (more than one when they
/// collide in the hashed space).
struct Explainer {
    let config: FeatureConfig
    let hasher: TextHasher

    init(_ config: FeatureConfig) {
        self.config = config
        self.hasher = TextHasher(config)
    }

    /// The names of the vector's rows that the record's text gives, for `head`: row → names.
    func names(_ text: TextBytes, task: String?, head: Head) -> [Int32: [ModelValue.Feature]] {
        var names: [Int32: [ModelValue.Feature]] = [:]
        func add(_ id: UInt32, _ view: String, _ kind: ModelValue.Feature.Kind, _ gram: String) {
            let row = head.vocabulary.row(id)
            guard row >= 0 else { return }
            let feature = ModelValue.Feature(view: view, kind: kind, text: gram, effect: 0)
            if names[row]?.contains(feature) != true { names[row, default: []].append(feature) }
        }
        let wordOrder = head.higher ? config.wordNgrams : 1
        for (ns, field) in config.views.enumerated() where config.keeps(namespace: ns, views: head.views) {
            let normalized = text.withView(field) { String(decoding: $0, as: UTF8.self) }
            let view = field.rawValue
            if field.tokenizesByLine {
                let lines = Tokenizer.lineTokens(normalized)
                for l in lines { add(hasher.wordID(l, namespace: ns), view, .word, l) }
                if wordOrder >= 2 {
                    for n in 2...wordOrder { for g in Tokenizer.lineNgrams(lines, n: n) { add(hasher.wordID(g, namespace: ns), view, .ngram, g) } }
                }
                continue
            }
            let tokens = Tokenizer.tokens(normalized)
            for t in tokens { add(hasher.wordID(t, namespace: ns), view, .word, t) }
            if wordOrder >= 2 {
                for n in 2...wordOrder { for g in Tokenizer.ngrams(tokens, n: n) { add(hasher.wordID(g, namespace: ns), view, .ngram, g) } }
            }
            if head.chars && config.charMax > 0 {
                for t in tokens where !(t.unicodeScalars.count == 1 && Tokenizer.isCJK(t.unicodeScalars.first!)) {
                    for g in Tokenizer.characterNGrams(t, min: config.charMin, max: config.charMax) {
                        add(hasher.charID(g, namespace: ns), view, .chars, g)
                    }
                }
            }
        }
        if config.taskFeature, let task { add(hasher.taskID(task), "task", .task, task) }
        return names
    }

    /// The `top` entries of `example` whose removal lowers the probability of class `label` the
    /// most, largest fall first (ties: the entry that comes first in the vector), with their names.
    func explain(_ example: Example, label: Int, head: Head, names: [Int32: [ModelValue.Feature]], top: Int) -> [ModelValue.Feature] {
        var probs: [Float] = [], z: [Float] = []
        head.probabilities(example, into: &probs, scratch: &z)
        let full = probs[label]
        var found: [(entry: Int, feature: ModelValue.Feature)] = []
        // An entry left out is an entry of value 0: the vector keeps its order, so every other
        // entry adds into the logits exactly as in the full pass.
        var without = example
        for n in example.rows.indices {
            without.values[n] = 0
            defer { without.values[n] = example.values[n] }
            head.probabilities(without, into: &probs, scratch: &z)
            let row = example.rows[n]
            let named = names[row] ?? [ModelValue.Feature(view: "?", kind: .word, text: "row \(row)", effect: 0)]
            var feature = named[0]
            if named.count > 1 { feature.text = named.map(\.text).joined(separator: " | ") }
            feature.effect = ModelValue.rounded(full - probs[label])
            found.append((n, feature))
        }
        if example.dense != nil {
            without.dense = nil
            head.probabilities(without, into: &probs, scratch: &z)
            found.append((example.rows.count, ModelValue.Feature(view: "image", kind: .dense, text: "image features", effect: ModelValue.rounded(full - probs[label]))))
        }
        found.sort { $0.feature.effect != $1.feature.effect ? $0.feature.effect > $1.feature.effect : $0.entry < $1.entry }
        return found.prefix(top).map(\.feature)
    }
}
