import JSONLines
import TextViews

/// A set of record indices as bits; all sets of one corpus have the same word count.
struct Bits: Equatable, Sendable {
    var words: [UInt64]
    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }
    init(words: [UInt64]) { self.words = words }
    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
    static func & (a: Bits, b: Bits) -> Bits { Bits(words: zip(a.words, b.words).map { $0 & $1 }) }
    static func | (a: Bits, b: Bits) -> Bits { Bits(words: zip(a.words, b.words).map { $0 | $1 }) }
    static prefix func ~ (a: Bits) -> Bits { Bits(words: a.words.map { ~$0 }) }
    func minus(_ b: Bits) -> Bits { Bits(words: zip(words, b.words).map { $0 & ~$1 }) }
    /// |self ∩ b| without building the intersection.
    func intersectionCount(_ b: Bits) -> Int {
        var n = 0
        for i in words.indices { n += (words[i] & b.words[i]).nonzeroBitCount }
        return n
    }
    var indices: [Int] {
        var out: [Int] = []
        for (w, word) in words.enumerated() where word != 0 {
            for b in 0..<64 where word & (1 << UInt64(b)) != 0 { out.append(w * 64 + b) }
        }
        return out
    }
}

/// One labelled record as mining sees it.
struct MiningRecord: Sendable {
    var location: SourceLocation
    var task: String?
    var label: String
    /// The model's prediction under `--against` (nil otherwise).
    var prediction: String?
    var text: RecordText
}

/// The candidate literals of a corpus and, for each, the records whose view contains it.
///
/// How candidates are chosen (also in `mine --help`): for each mined view, every token n-gram
/// (n = 1…`maxN`; CJK characters join directly, words with a space, as `Tokenizer.ngrams`) of the
/// normalised text that occurs in at least `minCount` records becomes a literal; its record set is
/// then computed by substring search with the same Aho–Corasick matcher `apply` uses, so a
/// literal's statistics in mining are exactly what it will do when applied.
struct Corpus {
    var records: [MiningRecord]
    /// Candidate predicates on literals (positive form), in a fixed order: view, then bytes.
    var literals: [Predicate] = []
    /// The records containing each literal.
    var cover: [Bits] = []

    init(records: [MiningRecord], views: [TextView], maxN: Int, minCount: Int, maxLiteralBytes: Int = 24) {
        self.records = records
        let n = records.count
        for view in views {
            var df: [String: Int] = [:]
            for r in records {
                let toks = Tokenizer.tokens(r.text[view])
                var grams = Set<String>()
                for k in 1...max(1, maxN) { for g in Tokenizer.ngrams(toks, n: k) where g.utf8.count <= maxLiteralBytes { grams.insert(g) } }
                for g in grams { df[g, default: 0] += 1 }
            }
            let kept = df.filter { $0.value >= minCount }.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let automaton = AhoCorasick(kept.map { Array($0.utf8) })
            var sets = Array(repeating: Bits(count: n), count: kept.count)
            var buffer: [UInt8] = []
            for (i, r) in records.enumerated() {
                Tokenizer.normalizedUTF8(r.text[view], into: &buffer)
                buffer.withUnsafeBufferPointer { buf in automaton.scan(buf) { sets[Int($0)].insert(i) } }
            }
            for (lit, set) in zip(kept, sets) {
                literals.append(Predicate(view: view, literal: lit))
                cover.append(set)
            }
        }
    }
}
