import JSONLines
import RecordKeys
import TextViews

/// `kdsl-model predict --explain`: the features behind a record's label, by occlusion (as
/// Vowpal Wabbit's `--audit` lists a prediction's features with their weights, but for either
/// head kind): for each entry of the record's weighted vector, how far the label's probability
/// falls when that entry alone is left out; the image block (pixel summary, gradients, layout
/// numbers) counts as one entry. The largest falls are the features the label rests on.
///
/// The names come from the model's own n-gram loop (`ViewHasher.forEachNgram`, which hashes the
/// features in training and prediction): each n-gram of the views the head reads, with its feature
/// id, spelled as TextViews' `Tokenizer` spells it; an entry is named by the n-grams that land on
/// its row (more than one when they collide in the hashed space).
struct Explainer {
    let config: FeatureConfig
    let hasher: TextHasher

    init(_ config: FeatureConfig) {
        self.config = config
        self.hasher = TextHasher(config)
    }

    /// The names of the vector's rows that the record's text gives, for `head`: row → names. A
    /// row's names are in `Tokenizer`'s order, the first of them shown first: per view, the
    /// unigrams, then the word n-grams of order 2, 3, ..., then each word's character n-grams,
    /// shortest first; the task last.
    func names(_ text: TextBytes, task: String?, head: Head) -> [Int32: [ModelValue.Feature]] {
        var names: [Int32: [ModelValue.Feature]] = [:]
        func add(_ row: Int32, _ view: String, _ kind: ModelValue.Feature.Kind, _ gram: String) {
            let feature = ModelValue.Feature(view: view, kind: kind, text: gram, effect: 0)
            if names[row]?.contains(feature) != true { names[row, default: []].append(feature) }
        }
        let wordOrder = head.higher ? config.wordNgrams : 1
        var hashed = ViewHasher(hasher)
        var grams = ViewGrams()
        for (ns, field) in config.views.enumerated() where config.keeps(namespace: ns, views: head.views) {
            let lines = field.tokenizesByLine
            text.withView(field) { bytes in
                hashed.tokenize(bytes, lines: lines)
                grams.list.removeAll(keepingCapacity: true)
                hashed.forEachNgram(bytes, tokens: 0..<hashed.tokenCount, namespace: ns, wordOrder: wordOrder, characters: head.chars, lines: lines, into: &grams)
                for (id, gram) in grams.inTokenizerOrder {
                    let row = head.vocabulary.row(id)
                    guard row >= 0 else { continue }
                    add(row, field.rawValue, ViewGrams.kind(gram), hashed.text(of: gram, in: bytes, lines: lines))
                }
            }
        }
        if config.taskFeature, let task {
            let row = head.vocabulary.row(hasher.taskID(task))
            if row >= 0 { add(row, "task", .task, task) }
        }
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

/// The n-grams of one view with their feature ids, as `ViewHasher.forEachNgram` visits them
/// (token by token), to be named in `Tokenizer`'s order.
private struct ViewGrams: ViewHasher.Visitor {
    var list: [(id: UInt32, gram: ViewHasher.Gram)] = []

    mutating func visit(_ id: UInt32, _ gram: ViewHasher.Gram) { list.append((id, gram)) }

    /// `list` as `Tokenizer` lists a view's n-grams: unigrams, then word n-grams by order, then
    /// character n-grams word by word, by length, then start.
    var inTokenizerOrder: [(id: UInt32, gram: ViewHasher.Gram)] {
        func key(_ gram: ViewHasher.Gram) -> (Int, Int, Int, Int) {
            switch gram {
            case .word(let i): return (0, i, 0, 0)
            case .words(let first, let last): return (last - first, first, 0, 0)
            case .characters(let i, let from, let to): return (Int.max, i, to - from, from)
            }
        }
        return list.sorted { key($0.gram) < key($1.gram) }
    }

    static func kind(_ gram: ViewHasher.Gram) -> ModelValue.Feature.Kind {
        switch gram {
        case .word: return .word
        case .words: return .ngram
        case .characters: return .chars
        }
    }
}
