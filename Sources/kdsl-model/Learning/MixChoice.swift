import Basics
import JSONLines
#if canImport(Glibc)
import Glibc
#endif

/// Late fusion: the views and the mixing weight of each head's embedding head, chosen on inner
/// folds of the head's training records (`--mix auto`, judged by `MixCriterion`).
extension ModelBuilder {
    /// Mixing weights `--mix auto` tries (the n-gram head's share, 0...1 by 0.1).
    static let mixCandidates: [Float] = (0...10).map { Float($0) / 10 }

    /// `--mix auto`: the embedding views and the label names (`EmbeddingShape.candidates`) and the n-gram head's
    /// weight in the mix that score best (`mixCriterion`) on the out-of-fold probabilities of an
    /// inner stratified 3-fold split of the head's own training records (both heads trained on
    /// two folds, the third predicted; a record without vectors gets the n-gram head's
    /// probabilities, as in prediction). Ties: the lower log-loss, then the earlier views, then
    /// the larger weight.
    func chooseMix(_ group: [Sample], labels: [String], text: TextChoice, imageWeight: Float, shape: EmbeddingShape,
                   seed: UInt64, progress: Progress? = nil) throws -> (shape: EmbeddingShape, mix: Float, report: String) {
        let group = ModelBuilder.subsample(group, at: ModelBuilder.choiceSampleLimit, seed: seed)
        let fold = innerFolds(group, seed: seed)
        var inner = self
        inner.features.imageWeight = imageWeight
        inner.verbose = false
        inner.showsProgress = false
        inner.settings.validation = 0
        inner.embedding = .off
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let c = labels.count
        let candidates = shape.candidates(names: !labelVectors.isEmpty)
        var pn = [[Float]?](repeating: nil, count: group.count)
        var pe = [[[Float]?]](repeating: [[Float]?](repeating: nil, count: group.count), count: candidates.count)
        for f in 0..<3 {
            defer { progress?.advance() }
            let train = group.indices.filter { fold[$0] != f }.map { group[$0] }
            let trainLabels = Set(train.map { $0.label! })
            guard trainLabels.count >= 2 else { continue }
            let head = try inner.trainHead(task: "", train, seed: seed, text: text)
            // The inner heads know the labels of their training folds: map them onto the head's.
            let toOuter = head.labels.map { index[$0]! }
            var probs: [Float] = [], z: [Float] = []
            for i in group.indices where fold[i] == f {
                head.probabilities(inner.example(group[i], head: head), into: &probs, scratch: &z)
                pn[i] = ModelBuilder.spread(probs, toOuter, c)
            }
            for (k, candidate) in candidates.enumerated() {
                let e = try inner.trainEmbedding(task: "", labels: trainLabels.sorted(), shape: candidate, train, seed: seed)
                for i in group.indices where fold[i] == f {
                    guard let x = e.input(group[i].embedding) else { continue }
                    e.head.probabilities(Example(rows: [], values: [], dense: x, label: 0), into: &probs, scratch: &z)
                    pe[k][i] = ModelBuilder.spread(probs, toOuter, c)
                }
            }
        }
        let gold = group.map { index[$0.label!]! }
        var best: (shape: EmbeddingShape, mix: Float, score: Double, loss: Double) = (shape, 1, -.infinity, -.infinity)
        var report: [String] = []
        for (k, candidate) in candidates.enumerated() {
            var line: [String] = []
            for w in ModelBuilder.mixCandidates.reversed() {
                let scores = ModelBuilder.mixScores(pn, pe[k], gold: gold, classes: c, mix: w)
                let (score, loss) = (mixCriterion == .loss ? scores.loss : scores.f1, scores.loss)
                line.append("\(Decimals.fixed(Double(w), places: 1)) \(Decimals.fixed(score, places: 4))")
                if score > best.score || (score == best.score && loss > best.loss) { best = (candidate, w, score, loss) }
            }
            report.append("\(candidate.summary): " + line.reversed().joined(separator: ", "))
        }
        return (best.shape, best.mix, "\(mixCriterion == .loss ? "minus mean log-loss" : "weighted F1") of \(group.count), n-gram weight and score: " + report.joined(separator: "; "))
    }

    /// Probabilities over an inner head's labels placed at the outer head's label indices.
    static func spread(_ p: [Float], _ toOuter: [Int], _ classes: Int) -> [Float] {
        var out = [Float](repeating: 0, count: classes)
        for (j, o) in toOuter.enumerated() { out[o] = p[j] }
        return out
    }

    /// The score (higher is better) of mixing weight `w` on out-of-fold probabilities: minus the
    /// mean log-loss, or the weighted F1 of the mixed labels (ties to the lower label index).
    /// Records without n-gram probabilities (their fold had one label to train on) are skipped.
    static func mixScore(_ pn: [[Float]?], _ pe: [[Float]?], gold: [Int], classes c: Int, mix w: Float, criterion: MixCriterion) -> Double {
        let scores = mixScores(pn, pe, gold: gold, classes: c, mix: w)
        return criterion == .loss ? scores.loss : scores.f1
    }

    /// Both scores of `mixScore` from one pass over the records: the weighted F1 and minus the
    /// mean log-loss.
    static func mixScores(_ pn: [[Float]?], _ pe: [[Float]?], gold: [Int], classes c: Int, mix w: Float) -> (f1: Double, loss: Double) {
        var loss = 0.0, n = 0
        var tp = [Int](repeating: 0, count: c), predicted = [Int](repeating: 0, count: c), support = [Int](repeating: 0, count: c)
        var p = [Float](repeating: 0, count: c)
        for i in gold.indices {
            guard let a = pn[i] else { continue }
            if let b = pe[i] { for j in 0..<c { p[j] = w * a[j] + (1 - w) * b[j] } } else { p = a }
            loss -= log(Double(max(p[gold[i]], 1e-7)))
            var arg = 0
            for j in 1..<c where p[j] > p[arg] { arg = j }
            predicted[arg] += 1
            support[gold[i]] += 1
            if arg == gold[i] { tp[arg] += 1 }
            n += 1
        }
        guard n > 0 else { return (0, 0) }
        var f1 = 0.0
        for j in 0..<c where support[j] > 0 {
            let denominator = predicted[j] + support[j]
            f1 += Double(support[j]) * (denominator > 0 ? 2 * Double(tp[j]) / Double(denominator) : 0)
        }
        return (f1 / Double(n), -loss / Double(n))
    }
}
