import Testing
@testable import JSONLines
@testable import TextViews

@Suite struct DialogueTests {
    func pairs(_ d: Dialogue) -> [String] { d.turns.map { "\($0.speaker.rawValue)=\($0.text)" } }

    @Test func chineseTags() {
        let d = Dialogue(text: "用户: <image>\n客服: 您好！请问有什么问题？\n用户: 怎么使用")
        #expect(pairs(d) == ["user=<image>", "agent=您好！请问有什么问题？", "user=怎么使用"])
        #expect(d.userText == "<image>\n怎么使用")
        #expect(d.agentText == "您好！请问有什么问题？")
    }

    /// The `last` view: the user's last turn with a letter or digit outside `<...>` tags; a
    /// record without one reads its `text`.
    @Test func lastUserTurnThatSaysSomething() throws {
        let d = Dialogue(text: "用户: 这个怎么用\n客服: 您好\n用户: 2件\n用户: <image>\n用户: \"<http>\"\n客服: 好的\n用户: [<image>] ！")
        #expect(d.lastUserWords == "2件")
        #expect(Dialogue(text: "用户: <image>\n客服: 您好").lastUserWords == nil)
        #expect(Dialogue(text: "User: where is my card?\nAgent: ok\nUser: thanks <3").lastUserWords == "thanks <3")
        #expect(Dialogue.saysSomething("<image>看看") && Dialogue.saysSomething("①") && !Dialogue.saysSomething("<ab> ?!"))
        // A `<` without its `>` (or with a space before it) is not a tag.
        #expect(Dialogue.saysSomething("<3") && Dialogue.saysSomething("<a b>") && Dialogue.saysSomething("x<y"))
        #expect(!Dialogue.saysSomething("<image><http>") && !Dialogue.saysSomething("「<image>」"))
        let record = try Record(#"{"text":"plain","dialogue":"用户: <image>\n用户: 能退吗？\n客服: 可以"}"#)
        #expect(RecordText(record)[.last] == "能退吗？")
        #expect(RecordText(record)[.user] == "plain\n<image>\n能退吗？")
        #expect(RecordText(try Record(#"{"text":"card arrival","dialogue":"用户: <image>"}"#))[.last] == "card arrival")
        #expect(RecordText(try Record(#"{"text":"card arrival"}"#))[.last] == "card arrival")
    }

    @Test func englishTagsCaseInsensitive() {
        let d = Dialogue(text: "User: where is my card?\nAGENT: It ships today.\ncustomer: thanks\nAssistant: welcome")
        #expect(pairs(d) == ["user=where is my card?", "agent=It ships today.", "user=thanks", "agent=welcome"])
    }

    @Test func fullWidthColon() {
        #expect(pairs(Dialogue(text: "用户：退款\n客服：好的")) == ["user=退款", "agent=好的"])
    }

    @Test func continuationLinesAndTextBeforeAnyTag() {
        let d = Dialogue(text: "hello there\n客服: line one\nline two\n\n用户: ok: fine")
        #expect(pairs(d) == ["user=hello there", "agent=line one\nline two", "user=ok: fine"])
        // A colon after a word that is not a speaker does not open a turn.
        #expect(pairs(Dialogue(text: "用户: see http://x\nnote: keep")) == ["user=see http://x\nnote: keep"])
    }

    @Test func crlfLineEnds() {
        #expect(pairs(Dialogue(text: "用户: a\r\n客服: b\r\n")) == ["user=a", "agent=b"])
    }

    @Test func roleTextArrays() throws {
        let json = try JSON.parse(#"[{"role":"user","text":"a"},{"role":"assistant","text":"b"},{"speaker":"客服","content":"c"},{"role":"weird","text":"d"},{"role":"user"},{"role":"Agent","text":"e"}]"#)
        let d = try #require(Dialogue(json: json))
        #expect(pairs(d) == ["user=a", "agent=b", "agent=c", "user=d", "agent=e"])
        #expect(Dialogue(json: .int(3)) == nil)
        #expect(Dialogue(json: .string("User: x")).map(pairs) == ["user=x"])
    }
}
