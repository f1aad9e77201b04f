import JSONLines
import RecordKeys
import Testing

/// Each key's JSON form, its decoder and its byte writer agree.
@Suite struct RecordKeysTests {
    @Test func ocrValueJoinsTheTextsOfTheImagesThatHaveOne() {
        let line = OCRValue.Line(text: "退款", box: [1, 2, 30, 14], confidence: 97)
        let value = OCRValue(images: [
            OCRValue.Image(path: "a.png", text: "退款", confidence: 97, width: 100, height: 200, lines: [line]),
            OCRValue.Image(path: "b.png", text: "", confidence: 0, width: 0, height: 0, lines: [], error: "cannot open"),
            OCRValue.Image(path: "c.png", text: "ok", confidence: 80, width: 10, height: 10, lines: nil),
        ], engine: "ppocr")
        #expect(value.text == "退款\nok")
        #expect(value.json.serialized == #"{"text":"退款\nok","images":[{"path":"a.png","text":"退款","confidence":97,"width":100,"height":200,"lines":[{"text":"退款","box":[1,2,30,14],"confidence":97}]},{"path":"b.png","text":"","confidence":0,"width":0,"height":0,"lines":[],"error":"cannot open"},{"path":"c.png","text":"ok","confidence":80,"width":10,"height":10}],"engine":"ppocr"}"#)
        // The layout views read the sized images' lines and skip what is not a line.
        let read = OCRValue.linesOfImages(value.json["images"])
        #expect(read.count == 1)
        #expect(read[0].lines.map(\.text) == ["退款"])
        #expect(read[0].lines[0].box == [1, 2, 30, 14])
        let odd = try! JSON.parse(#"[{"width":10,"height":10,"lines":[{"text":"x","box":[1,2,3]},{"box":[1,2,3,4]},{"text":"y","box":[0,0.5,1,2]}]},{"width":0,"height":5,"lines":[]}]"#)
        #expect(OCRValue.linesOfImages(odd).map { $0.lines.map(\.text) } == [["y"]])
    }

    @Test func rulesWriterWritesTheValuesSerialisation() throws {
        let rules = [RulesValue.FiredRule(id: "r1", label: "退款", reward: 0.875),
                     RulesValue.FiredRule(id: "r\"2", label: "a,b]}", reward: nil),
                     RulesValue.FiredRule(id: "r3", label: "x", reward: 1)]
        let writer = RulesValue.Writer(rules)
        for fired in [[], [0], [1], [2, 0], [0, 1, 2]] as [[Int32]] {
            var bytes: [UInt8] = []
            writer.append(fired: fired, into: &bytes)
            let value = RulesValue(fired: fired.map { rules[Int($0)] })
            #expect(String(decoding: bytes, as: UTF8.self) == value.json.serialized)
            #expect(try RulesValue(json: value.json, at: "rules") == value)
        }
        #expect(RulesValue.none.json.serialized == #"{"label":null,"id":null,"reward":null,"fired":[]}"#)
    }

    @Test func rulesDecoderNeedsOnlyALabelAndNamesWhatIsWrong() throws {
        let handMade = try RulesValue(json: JSON.parse(#"{"label":"x"}"#), at: "rules")
        #expect(handMade.label == "x" && handMade.id == nil && handMade.reward == nil && handMade.fired.isEmpty)
        for (bad, message) in [(#""x""#, "'v' is a string, expected an object"),
                               (#"{"label":5}"#, "'v.label' is a number, expected a string or null"),
                               (#"{"label":"x","reward":"high"}"#, "'v.reward' is a string, expected a number"),
                               (#"{"label":"x","fired":{}}"#, "'v.fired' is an object, expected an array"),
                               (#"{"label":"x","fired":[{"id":"r"}]}"#, "'v.fired[0]' is not a fired rule")] {
            #expect { try RulesValue(json: JSON.parse(bad), at: "v") } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test func modelBytesWriteTheValuesSerialisation() throws {
        let quoted = { (s: String) -> [UInt8] in var b: [UInt8] = []; JSON.appendQuoted(s, to: &b); return b }
        for (label, p, top) in [("退款", Float(0.73456), [("退款", Float(0.73456)), ("物流", Float(0.2))]),
                                ("a\"b", Float(1), []), ("x", Float(0.00004), [("x", Float(0.00004))])] {
            var bytes: [UInt8] = []
            ModelValue.Bytes.begin(quotedLabel: quoted(label), p: p, into: &bytes)
            for (n, t) in top.enumerated() { ModelValue.Bytes.top(quotedLabel: quoted(t.0), p: t.1, first: n == 0, into: &bytes) }
            ModelValue.Bytes.end(into: &bytes)
            let value = ModelValue(label: label, p: p, top: top.map { ($0.0, $0.1) })
            #expect(String(decoding: bytes, as: UTF8.self) == value.json.serialized)
            let decoded = try ModelValue(json: value.json, at: "model")
            #expect(decoded.label == label && decoded.p == value.p)
        }
        #expect(ModelValue(noLabel: "no head").json.serialized == #"{"label":null,"p":0,"top":[],"reason":"no head"}"#)
        #expect(try ModelValue(json: ModelValue(noLabel: "no head").json, at: "model").label == nil)
    }

    /// Every probability prints as its rounded JSON number would, NaN as 0 (never a trap).
    @Test func probabilitiesPrintAsTheirRoundedJSON() {
        for k in 0...10000 {
            var out: [UInt8] = []
            ModelValue.Bytes.appendProbability(Float(k) / 10000, to: &out)
            var json: [UInt8] = []
            JSON.double(ModelValue.rounded(Float(k) / 10000)).serialize(into: &json)
            #expect(out == json, "\(k)")
        }
        var out: [UInt8] = []
        ModelValue.Bytes.appendProbability(.nan, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "0.0")
        #expect(JSON.double(ModelValue.rounded(.nan)).serialized == "0.0")
    }

    @Test func predictionValueRoundTrips() throws {
        for value in [PredictionValue(label: "退款", source: .rule, rule: "r1"), PredictionValue(label: "a", source: .model, rule: nil),
                      PredictionValue(label: nil, source: .none, rule: nil)] {
            #expect(try PredictionValue(json: value.json, at: "prediction") == value)
        }
        #expect(PredictionValue(label: "a", source: .model, rule: nil).json.serialized == #"{"label":"a","source":"model"}"#)
        #expect(PredictionValue(label: "a", source: .rule, rule: "r9").json.serialized == #"{"label":"a","source":"rule","rule":"r9"}"#)
        #expect(throws: RecordError.self) { try PredictionValue(json: JSON.parse(#"{"label":"a","source":"oracle"}"#), at: "prediction") }
    }
}

@Suite struct ExplainValueTests {
    @Test func contextShowsTheTextAroundTheFirstOccurrence() {
        typealias C = RulesValue.Condition
        #expect(C.context(of: "退款", in: "您好我想退款", around: 2) == "…我想退款")
        #expect(C.context(of: "ab", in: "xxxxabyy\nzzzz", around: 3) == "…xxxabyy …")
        #expect(C.context(of: "ab", in: "ab", around: 3) == "ab")
    }

    /// Rules match bytes: a literal inside a grapheme cluster still gets its context, and every
    /// line break (CRLF too) is one space.
    @Test func contextInsideGraphemeClustersAndAcrossCRLF() {
        typealias C = RulesValue.Condition
        #expect(C.context(of: "cafe", in: "un cafe\u{301} noir", around: 3) == "un cafe\u{301} n…")
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"
        #expect(C.context(of: "\u{1F469}", in: "hi " + family, around: 2) == "…\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}")
        #expect(C.context(of: "ab", in: "xxab\r\nyy", around: 1) == "…xab …")
        #expect(C.context(of: "ab", in: "xxab\r\nyy", around: 4) == "xxab yy")
        #expect(C.context(of: "e\u{301}", in: "cafe\u{301}\r\nx", around: 5) == "cafe\u{301} x")
        #expect(C.context(of: "q", in: "ab") == nil)
        let condition = C(field: "ocr", literal: "减", negated: true, context: nil)
        #expect(condition.json.serialized == #"{"field":"ocr","not_contains":"减"}"#)
        var value = RulesValue(fired: [RulesValue.FiredRule(id: "r", label: "x", reward: nil)])
        value.explain = [C(field: "user", literal: "a", negated: false, context: "…a…")]
        #expect(value.json.serialized == #"{"label":"x","id":"r","reward":null,"fired":[{"id":"r","label":"x","reward":null}],"explain":[{"field":"user","contains":"a","context":"…a…"}]}"#)
    }

    @Test func modelExplainFollowsTop() {
        var value = ModelValue(label: "a", p: 0.5, top: [])
        value.explain = [ModelValue.Feature(view: "user", kind: .chars, text: "<re", effect: 0.25)]
        #expect(value.json.serialized == #"{"label":"a","p":0.5,"top":[],"explain":[{"view":"user","kind":"chars","text":"<re","effect":0.25}]}"#)
    }
}
