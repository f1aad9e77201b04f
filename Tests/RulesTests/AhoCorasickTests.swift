import Testing
import Basics
import JSONLines
import TextViews
@testable import kdsl_rules

/// Random text over a small alphabet (ASCII, CJK, full-width) so patterns overlap often.
func randomText(_ rng: inout SeededRNG, length: Int) -> String {
    let alphabet: [String] = ["a", "b", "A", "退", "款", "货", "Ａ", "ｂ", "　", " ", "1", "é", "É", "😀"]
    var s = ""
    for _ in 0..<length { s += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
    return s
}

@Suite struct AhoCorasickTests {
    @Test func findsExactlyWhatNaiveContainsFinds() {
        var rng = SeededRNG(seed: 7)
        for _ in 0..<300 {
            let patterns = (0..<Int(1 + rng.next() % 12)).map { _ in Tokenizer.normalize(randomText(&rng, length: Int(1 + rng.next() % 4))) }
            let automaton = AhoCorasick(patterns.map { Array($0.utf8) })
            let sparse = AhoCorasick(patterns.map { Array($0.utf8) }, dense: false)
            #expect(automaton.isDense && !sparse.isDense)
            let text = Tokenizer.normalize(randomText(&rng, length: Int(rng.next() % 40)))
            let found = Set(automaton.matches(text))
            #expect(Set(sparse.matches(text)) == found)
            // Both layouts report the same occurrences in the same order.
            var a: [Int32] = [], b: [Int32] = []
            var t = text
            t.withUTF8 { buf in automaton.scan(buf) { a.append($0) }; sparse.scan(buf) { b.append($0) } }
            #expect(a == b)
            // Duplicated patterns report under their first id.
            var expected = Set<Int>()
            for p in patterns where text.utf8.firstRange(of: p.utf8) != nil { expected.insert(patterns.firstIndex(of: p)!) }
            #expect(found == expected, "patterns \(patterns) text \(text)")
        }
    }

    @Test func reportsEveryOccurrenceIncludingNestedOnes() {
        let automaton = AhoCorasick([Array("he".utf8), Array("she".utf8), Array("hers".utf8), Array("e".utf8)])
        for a in [automaton, AhoCorasick([Array("he".utf8), Array("she".utf8), Array("hers".utf8), Array("e".utf8)], dense: false)] {
            var hits: [Int32] = []
            var text = "ushers"
            text.withUTF8 { a.scan($0) { hits.append($0) } }
            #expect(hits.sorted() == [0, 1, 2, 3])
        }
    }

    /// The four-piece lockstep scan finds the same set as the plain scan, including patterns
    /// that cross the cuts between pieces (long texts over a tiny alphabet hit every cut).
    @Test func presenceScanFindsTheSameSetOnLongTexts() {
        var rng = SeededRNG(seed: 11)
        for _ in 0..<200 {
            let patterns = (0..<Int(1 + rng.next() % 40)).map { _ in Array(Tokenizer.normalize(randomText(&rng, length: Int(1 + rng.next() % 9))).utf8) }
            let automaton = AhoCorasick(patterns)
            let text = Array(Tokenizer.normalize(randomText(&rng, length: Int(rng.next() % 900))).utf8)
            var all = Set<Int32>(), present = Set<Int32>()
            text.withUnsafeBufferPointer { buf in
                automaton.scan(buf) { all.insert($0) }
                automaton.scanPresence(buf) { present.insert($0) }
            }
            #expect(all == present, "\(patterns.count) patterns, \(text.count) bytes")
        }
    }

    @Test func emptyAutomatonFindsNothing() {
        #expect(AhoCorasick([]).matches("anything").isEmpty)
        #expect(AhoCorasick([[]]).matches("anything").isEmpty)
    }
}
