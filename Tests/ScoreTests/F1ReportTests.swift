import Testing
@testable import kdsl_score
import Basics
import JSONLines

/// Cells from parallel gold / predicted arrays (nil = no prediction), one scope.
func cells(_ gold: [String], _ pred: [String?]) -> [(gold: Label, pred: Label?, count: Int)] {
    zip(gold, pred).map { (gold: Label($0), pred: $1.map(Label.init), count: 1) }
}

@Suite struct F1ArithmeticTests {
    @Test func zeroDivisionGivesZero() {
        // Only predicted, never gold: recall 0/0 -> 0. Only gold, never predicted: precision 0/0 -> 0.
        let onlyPredicted = ClassScore(label: Label("X"), support: 0, predicted: 3, truePositives: 0)
        #expect(onlyPredicted.precision == 0 && onlyPredicted.recall == 0 && onlyPredicted.f1 == 0)
        let neverPredicted = ClassScore(label: Label("Y"), support: 2, predicted: 0, truePositives: 0)
        #expect(neverPredicted.precision == 0 && neverPredicted.recall == 0 && neverPredicted.f1 == 0)
        let empty = ClassScore(label: Label("Z"), support: 0, predicted: 0, truePositives: 0)
        #expect(empty.precision == 0 && empty.recall == 0 && empty.f1 == 0)
    }

    @Test func handWorkedExampleWithAMissingPrediction() {
        // gold A A B C, predicted A B B (none). Labels {A, B, C}.
        // A: tp 1, support 2, predicted 1 -> P 1, R 1/2, F 2/3.  B: tp 1, s 1, p 2 -> P 1/2, R 1, F 2/3.
        // C: tp 0, s 1, p 0 -> 0, 0, 0.
        let s = ScoreSection(cells: cells(["A", "A", "B", "C"], ["A", "B", "B", nil]))
        #expect(s.classes.map(\.label.text) == ["A", "B", "C"])
        #expect(s.classes.map(\.f1) == [Double(2) / 3, Double(2) / 3, 0])
        #expect(s.classes.map(\.precision) == [1, 0.5, 0])
        #expect(s.classes.map(\.recall) == [0.5, 1, 0])
        #expect(s.support == 4 && s.correct == 2 && s.noPrediction == 1)
        #expect(s.accuracy == 0.5)
        let third: Double = 2.0 / 3
        let weighted: Double = (third * 2 + third * 1) / 4
        #expect(s.weightedF1 == weighted)
        let macro: Double = (third + third + 0) / 3
        #expect(s.macroF1 == macro)
        // Micro over the label set: tp 2, predicted 3 (the missing one is no class), support 4.
        #expect(s.microPrecision == third)
        #expect(s.microRecall == 0.5)
        #expect(s.microF1 == Double(4) / 7)
        #expect(s.confusion.matrix == [[1, 1, 0], [0, 1, 0], [0, 0, 0]] && s.confusion.noPrediction == [0, 0, 1])
    }

    @Test func predictedOnlyLabelJoinsTheLabelSetAsScikitLearnDoes() {
        // sklearn's unique_labels(y_true, y_pred): "Z" is a class with support 0 and F1 0.
        let s = ScoreSection(cells: cells(["A", "A"], ["A", "Z"]))
        #expect(s.classes.map(\.label.text) == ["A", "Z"])
        let twoThirds: Double = 2.0 / 3
        #expect(s.macroF1 == twoThirds / 2)
        #expect(s.weightedF1 == 2.0 / 3)  // support 0 weighs nothing
        #expect(s.microF1 == s.accuracy)  // every record has a prediction
    }

    @Test func emptyScopeIsAllZero() {
        let s = ScoreSection(cells: [])
        #expect(s.classes.isEmpty && s.support == 0)
        #expect([s.accuracy, s.macroF1, s.microF1, s.weightedF1, s.weightedPrecision, s.macroRecall] == [0, 0, 0, 0, 0, 0])
    }

    @Test func labelsAreBytesNotCanonicalStrings() {
        // "é" composed (U+00E9) and decomposed (e + U+0301) are == as Swift Strings, distinct in sklearn.
        let composed = "\u{E9}", decomposed = "e\u{301}"
        let s = ScoreSection(cells: cells([composed, decomposed], [composed, composed]))
        #expect(s.classes.count == 2)
        #expect(s.accuracy == 0.5)
        // Sorted by UTF-8 bytes: "e\u{301}" (0x65...) before "\u{E9}" (0xC3...).
        #expect(s.classes.map(\.label.bytes) == [Array(decomposed.utf8), Array(composed.utf8)])
    }

    @Test func groupsAndTheirMean() {
        var counts = ScoreCounts(fields: ScoreFields(by: FieldPath("task")))
        counts.add(Cell(group: Label("intent"), gold: Label("a"), pred: Label("a")))
        counts.add(Cell(group: Label("intent"), gold: Label("b"), pred: Label("a")))
        counts.add(Cell(group: Label("scene"), gold: Label("x"), pred: Label("x")), count: 3)
        counts.add(Cell(group: nil, gold: Label("x"), pred: nil))
        let r = F1Report(counts: counts)
        #expect(r.groups.map(\.value.text) == ["intent", "scene"])
        let intent = r.groups[0].section, scene = r.groups[1].section
        #expect(scene.weightedF1 == 1)
        // intent: a tp1 s1 p2 -> F 2/3; b: 0. weighted = (2/3*1 + 0*1)/2
        let half: Double = (2.0 / 3) / 2
        #expect(intent.weightedF1 == half)
        #expect(r.meanOfGroupsWeightedF1 == (intent.weightedF1 + 1) / 2)
        #expect(r.ungrouped == 1 && r.overall.support == 6 && r.overall.noPrediction == 1)
        #expect(r.challengeScore == r.overall.weightedF1)
    }
}

@Suite struct F1PropertyTests {
    /// Random scopes: up to `k` labels, some predictions missing, some predicted labels unseen in gold.
    func randomCells(_ rng: inout SeededRNG, n: Int, k: Int) -> (gold: [String], pred: [String?]) {
        var gold: [String] = [], pred: [String?] = []
        for _ in 0..<n {
            gold.append("L\(rng.next() % UInt64(k))")
            let r = rng.nextUnit()
            pred.append(r < 0.1 ? nil : r < 0.15 ? "U\(rng.next() % 3)" : "L\(rng.next() % UInt64(k))")
        }
        return (gold, pred)
    }

    @Test func scoresLieInTheUnitIntervalAndArePerfectOnPerfectPredictions() {
        var rng = SeededRNG(seed: 7)
        for trial in 0..<300 {
            let n = Int(rng.next() % 200), k = 1 + Int(rng.next() % 12)
            let (gold, pred) = randomCells(&rng, n: n, k: k)
            let s = ScoreSection(cells: cells(gold, pred))
            let all = [s.accuracy, s.macroPrecision, s.macroRecall, s.macroF1, s.microPrecision, s.microRecall,
                       s.microF1, s.weightedPrecision, s.weightedRecall, s.weightedF1]
                + s.classes.flatMap { [$0.precision, $0.recall, $0.f1] }
            #expect(all.allSatisfy { $0 >= 0 && $0 <= 1 }, "trial \(trial)")
            #expect(s.support == n)
            #expect(s.microF1 >= s.accuracy - 1e-15)
            let perfect = ScoreSection(cells: cells(gold, gold))
            if n > 0 {
                #expect([perfect.accuracy, perfect.macroF1, perfect.microF1, perfect.weightedF1] == [1, 1, 1, 1], "trial \(trial)")
                #expect(perfect.classes.allSatisfy { $0.f1 == 1 && $0.precision == 1 && $0.recall == 1 })
            }
        }
    }

    @Test func mergedShardCountsGiveTheUnshardedReport() throws {
        var rng = SeededRNG(seed: 11)
        for _ in 0..<50 {
            let n = Int(rng.next() % 300)
            let (gold, pred) = randomCells(&rng, n: n, k: 1 + Int(rng.next() % 8))
            let fields = ScoreFields(by: FieldPath("task"))
            var whole = ScoreCounts(fields: fields)
            var shards = Array(repeating: ScoreCounts(fields: fields), count: 1 + Int(rng.next() % 4))
            for i in 0..<n {
                let group: Label? = rng.nextUnit() < 0.05 ? nil : Label(["intent", "scene"][Int(rng.next() % 2)])
                let cell = Cell(group: group, gold: Label(gold[i]), pred: pred[i].map(Label.init))
                whole.add(cell)
                shards[Int(rng.next() % UInt64(shards.count))].add(cell)
            }
            whole.noGold = 2
            shards[0].noGold = 2
            // Through the wire format: each shard's count lines, read back in turn.
            var merged = ScoreCounts(fields: ScoreFields())
            var line = 0
            for shard in shards {
                for json in shard.countLines() {
                    line += 1
                    try merged.absorb(countLine: Record(json.serialized, location: SourceLocation(file: nil, line: line)))
                }
            }
            try merged.validateMerged()
            #expect(merged.fields == whole.fields)
            let a = F1Report(counts: whole).json(confusion: true).serialized
            let b = F1Report(counts: merged).json(confusion: true).serialized
            #expect(a == b)
            #expect(TableFormat(report: F1Report(counts: whole), confusion: true).render()
                == TableFormat(report: F1Report(counts: merged), confusion: true).render())
        }
    }

    @Test func cellOrderDoesNotChangeTheReport() {
        var rng = SeededRNG(seed: 3)
        let (gold, pred) = randomCells(&rng, n: 500, k: 9)
        var shuffled = Array(zip(gold, pred))
        rng.shuffle(&shuffled)
        let a = F1Report(counts: counts(gold, pred)).json(confusion: true).serialized
        let b = F1Report(counts: counts(shuffled.map(\.0), shuffled.map(\.1))).json(confusion: true).serialized
        #expect(a == b)
    }

    func counts(_ gold: [String], _ pred: [String?]) -> ScoreCounts {
        var c = ScoreCounts(fields: ScoreFields())
        for (g, p) in zip(gold, pred) { c.add(Cell(group: nil, gold: Label(g), pred: p.map(Label.init))) }
        return c
    }
}
