import Testing
@testable import kdsl_score
import JSONLines

@Suite struct ScoreCountsTests {
    func record(_ text: String, line: Int = 1) throws -> Record { try Record(text, location: SourceLocation(file: nil, line: line)) }

    @Test func whatCountsAsNoPrediction() throws {
        var c = ScoreCounts(fields: ScoreFields())
        for text in [#"{"label":"a"}"#, #"{"label":"a","prediction":null}"#, #"{"label":"a","prediction":{"label":3.5}}"#,
                     #"{"label":"a","prediction":{"label":null}}"#, #"{"label":"a","prediction":"a"}"#,
                     #"{"label":"a","prediction":{"label":"a"},"error":{"stage":"kdsl-model","line":1,"message":"x"}}"#] {
            try c.add(record: record(text))
        }
        try c.add(record: record(#"{"label":"a","prediction":{"label":"a"}}"#))
        // A user's own `error` field is data, not an upstream failure.
        try c.add(record: record(#"{"label":"a","prediction":{"label":"a"},"error":"the app showed an error"}"#))
        #expect(c.noPrediction == 6)
        #expect(c.cells[Cell(group: nil, gold: Label("a"), pred: Label("a"))] == 2)
    }

    @Test func recordsWithoutAGoldLabelAreReportedAndLeftOut() throws {
        var c = ScoreCounts(fields: ScoreFields())
        for text in [#"{"prediction":{"label":"a"}}"#, #"{"label":7.5}"#, #"{"label":null}"#, #"{"label":["a"]}"#, #"{"label":true}"#] {
            #expect(throws: RecordError.self) { try c.add(record: record(text)) }
        }
        #expect(c.noGold == 5 && c.cells.isEmpty)
        do { try c.add(record: record(#"{"label":7.5}"#)); Issue.record("no error") } catch let e as RecordError {
            #expect(e.message.contains("is a number that is not an integer (7.5), expected a string or an integer"))
        }
    }

    /// An integer label (a class number) is read as its digits, gold and prediction alike, so a
    /// gold `3` and a predicted `"3"` or `3` are the same class.
    @Test func integerLabelsAreTheirDigits() throws {
        var c = ScoreCounts(fields: ScoreFields())
        try c.add(record: record(#"{"label":3,"prediction":{"label":"3"}}"#))
        try c.add(record: record(#"{"label":"3","prediction":{"label":3}}"#))
        try c.add(record: record(#"{"label":4,"prediction":{"label":"3"}}"#))
        #expect(c.noGold == 0 && c.noPrediction == 0)
        #expect(c.cells[Cell(group: nil, gold: Label("3"), pred: Label("3"))] == 2)
        #expect(c.cells[Cell(group: nil, gold: Label("4"), pred: Label("3"))] == 1)
    }

    @Test func groupValuesMayBeNumbersOrBooleans() throws {
        var c = ScoreCounts(fields: ScoreFields(by: FieldPath("fold")))
        try c.add(record: record(#"{"label":"a","prediction":{"label":"a"},"fold":3}"#))
        try c.add(record: record(#"{"label":"a","prediction":{"label":"a"},"fold":true}"#))
        try c.add(record: record(#"{"label":"a","prediction":{"label":"a"},"fold":{"x":1}}"#))
        try c.add(record: record(#"{"label":"a","prediction":{"label":"a"}}"#))
        #expect(Set(c.cells.keys.map { $0.group?.text }) == [Optional("3"), Optional("true"), nil])
        #expect(c.ungrouped == 2)
    }

    @Test func countLinesRoundTripAndRejectMixedRuns() throws {
        var c = ScoreCounts(fields: ScoreFields(gold: FieldPath("gold"), pred: FieldPath("p.q"), by: FieldPath("task")))
        c.add(Cell(group: Label("intent"), gold: Label("退款"), pred: nil), count: 4)
        c.add(Cell(group: nil, gold: Label("b\"x"), pred: Label("c")), count: 2)
        c.noGold = 5
        var back = ScoreCounts(fields: ScoreFields())
        for json in c.countLines() { try back.absorb(countLine: record(json.serialized)) }
        #expect(back.cells == c.cells && back.noGold == 5 && back.fields == c.fields)

        var other = ScoreCounts(fields: ScoreFields())
        try other.absorb(countLine: record(#"{"kind":"header","version":1,"gold":"label","pred":"prediction.label","by":null}"#))
        #expect(throws: SetupError.self) {
            try other.absorb(countLine: record(#"{"kind":"header","version":1,"gold":"label","pred":"prediction.label","by":"task"}"#))
        }
        for bad in [#"{"kind":"cell","group":null,"gold":"a","pred":"b","count":-1}"#, #"{"kind":"cell","gold":"a","pred":"b","count":1}"#,
                    #"{"kind":"nope"}"#, #"{"label":"a"}"#, #"{"kind":"header","version":2,"gold":"a","pred":"b","by":null}"#] {
            #expect(throws: RecordError.self) { try other.absorb(countLine: record(bad)) }
        }
    }
}

@Suite struct LabelInternerTests {
    @Test func sameBytesSameIdAcrossGrowth() {
        var interner = LabelInterner()
        var ids: [Int32] = []
        for i in 0..<5000 { ids.append(interner.id("label-\(i)")) }
        #expect(ids == (0..<5000).map { Int32($0) })
        for i in stride(from: 4999, through: 0, by: -7) { #expect(interner.id("label-\(i)") == Int32(i)) }
        #expect(interner.labels.count == 5000)
        // Canonically equivalent but different bytes: two labels.
        let a = interner.id("\u{E9}"), b = interner.id("e\u{301}"), c = interner.id("")
        #expect(a != b && Set([a, b, c]).count == 3 && interner.id("") == c)
    }
}
