import JSONLines
import RecordKeys
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The normalised UTF-8 of a record's text views, built straight from the record's raw JSON bytes:
/// the hot path of `kdsl-rules apply` (and any stage that scans the views as bytes).
///
/// Contract: after `load(record, views:)`, `withView(field)` yields exactly the bytes of
/// `Tokenizer.normalizedUTF8(RecordText(record, text:, dialogue:, ocr:)[field])` for every field
/// in `views` (property-tested against that reference on generated and real records); other
/// fields are empty. Strings are unescaped only when they contain a backslash, dialogue turns are
/// split on bytes with `Dialogue`'s rules, and text is normalised on the fly, into buffers reused
/// from record to record: no Swift `String` per record. Records the scanner left to jansson, a
/// dialogue given as an array of turns, and paths the stage has already set go through the
/// `String` reference instead (same bytes, slower).
///
/// Not thread-safe: one instance per stream.
public final class TextBytes {
    private let textPath: FieldPath, dialoguePath: FieldPath, ocrPath: FieldPath
    private let layoutPath: FieldPath?
    /// The views, indexed by `TextView.slot`.
    private var views: [ByteBuffer]
    /// The unescaped dialogue when the JSON spells it with escapes (the turn splitter needs its
    /// line breaks; plain and OCR text are unescaped while being normalised).
    private var unescaped: [ByteBuffer]
    private var scratch: [JSONScanner.Member] = []
    private var reference: [UInt8] = []
    private var normalizer = ByteNormalizer()

    /// Reads `text` (the user's plain text), `dialogue` (tagged text or `{role, text}` turns) and
    /// `ocr` from these paths, as `RecordText` does.
    public init(text: FieldPath = "text", dialogue: FieldPath = "dialogue", ocr: FieldPath = OCRValue.textPath) {
        textPath = text; dialoguePath = dialogue; ocrPath = ocr
        layoutPath = TextViews.layoutPath(besideOCR: ocr)
        views = TextView.allCases.map { _ in ByteBuffer() }
        unescaped = [ByteBuffer()]
    }

    deinit {
        for b in views { b.free() }
        for b in unescaped { b.free() }
    }

    /// The normalised bytes of `field` from the last `load` (empty unless it was asked for). The
    /// buffer is valid only inside `body`.
    public func withView<R>(_ field: TextView, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(views[field.slot].buffer)
    }

    /// Set by `load` when a field it read is present but of the wrong type (the text and the OCR
    /// text must be strings, the dialogue a string or an array of turns; null counts as absent):
    /// what to report, e.g. `text is a number, expected a string`. The views then treat the
    /// field as absent; a stage reports the record as bad rather than read it as empty text.
    @exclusivity(unchecked) public private(set) var mistyped: String?

    /// A copy of `field`'s bytes (tests, tools).
    public func bytes(_ field: TextView) -> [UInt8] { Array(views[field.slot].buffer) }

    /// Builds the normalised bytes of `fields` for `record`, replacing the previous record's.
    public func load(_ record: Record, views fields: [TextView]) {
        var want = 0
        for f in fields { want |= 1 << f.slot }
        for v in views { v.count = 0 }
        mistyped = nil
        if want & Self.derived != 0 { loadDerived(record, want) }
        // `lines` reads the OCR text: a mistyped one is reported here when the fast path below does not read it.
        if want & (1 << TextView.lines.slot) != 0 && want & (Self.ocr | Self.all) == 0 {
            mistyped = textFieldTypeProblem(record, ocrPath, arrays: false)
        }
        want &= ~Self.derived
        guard want != 0 else { return }
        let needPlain = want & (Self.user | Self.all) != 0
        let needDialogue = want & (Self.user | Self.agent | Self.all) != 0
        let needOCR = want & (Self.ocr | Self.all) != 0
        let plain = needPlain ? record.rawValue(at: textPath, scratch: &scratch) : .absent
        let dialogue = needDialogue ? record.rawValue(at: dialoguePath, scratch: &scratch) : .absent
        let ocr = needOCR ? record.rawValue(at: ocrPath, scratch: &scratch) : .absent
        if plain == .unknown || dialogue == .unknown || ocr == .unknown {
            mistyped = (needPlain ? textFieldTypeProblem(record, textPath, arrays: false) : nil)
                ?? (needDialogue ? textFieldTypeProblem(record, dialoguePath, arrays: true) : nil)
                ?? (needOCR ? textFieldTypeProblem(record, ocrPath, arrays: false) : nil)
            loadReference(record, want)
            return
        }
        record.bytes.withUnsafeBufferPointer { line in
            // Per record: three byte checks, no allocation (the description is built on errors only).
            func wellTyped(_ raw: Record.RawValue, arrays: Bool) -> Bool {
                guard case .at(let r) = raw else { return true }
                let c = line[r.lowerBound]
                return c == UInt8(ascii: "\"") || c == UInt8(ascii: "n") || (arrays && c == UInt8(ascii: "["))
            }
            if !wellTyped(plain, arrays: false) {
                mistyped = textFieldTypeProblem(record, textPath, arrays: false)
            } else if !wellTyped(dialogue, arrays: true) {
                mistyped = textFieldTypeProblem(record, dialoguePath, arrays: true)
            } else if !wellTyped(ocr, arrays: false) {
                mistyped = textFieldTypeProblem(record, ocrPath, arrays: false)
            }
            // Plain text opens the user and all views.
            emit(Self.rawBody(plain, line), to: want & (Self.user | Self.all))
            // Dialogue turns follow, each view keeping its own separator bookkeeping.
            var turns = TurnWriter(want: want, views: views)
            if case .at(let r) = dialogue {
                switch line[r.lowerBound] {
                case UInt8(ascii: "\""):
                    splitTagged(stringBody(dialogue, line), &turns)
                case UInt8(ascii: "["):
                    let value = record.value(at: dialoguePath)
                    if mistyped == nil, let value, let p = Dialogue.problem(value, path: "\(dialoguePath)") { mistyped = p }
                    if let d = value.flatMap({ Dialogue(json: $0) }) {
                        for (speaker, text) in d.turns {
                            var t = text
                            t.withUTF8 { turns.open(speaker, $0, normalizer: &normalizer, trim: false) }
                        }
                    }
                default: break
                }
            }
            turns.finish()
            // OCR text closes the all view and is the ocr view.
            let o = Self.rawBody(ocr, line)
            if o.count > 0 {
                if want & Self.ocr != 0 { normalizer.append(o, to: views[TextView.ocr.slot], escapes: true) }
                if want & Self.all != 0 {
                    let all = views[TextView.all.slot]
                    if all.count > 0 { all.append(0x0A) }
                    if want & Self.ocr != 0 { all.append(views[TextView.ocr.slot].buffer) } else { normalizer.append(o, to: all, escapes: true) }
                }
            }
        }
    }

    private static let user = 1 << TextView.user.slot, agent = 1 << TextView.agent.slot
    private static let ocr = 1 << TextView.ocr.slot, all = 1 << TextView.all.slot
    private static let derived = 1 << TextView.title.slot | 1 << TextView.bottom.slot | 1 << TextView.lines.slot | 1 << TextView.last.slot

    /// The views built from the parsed record (`TextView.isDerived`): the layout views from
    /// `ocr.images` (kdsl-ocr's lines are short strings in a nested array), `lines` from the
    /// OCR text with its digits folded, and `last` from the parsed dialogue; there is no byte fast
    /// path for them.
    private func loadDerived(_ record: Record, _ want: Int) {
        if want & (1 << TextView.title.slot | 1 << TextView.bottom.slot) != 0 {
            let layout = ScreenLayout(json: layoutPath.flatMap { record.value(at: $0) })
            for field in [TextView.title, .bottom] where want & (1 << field.slot) != 0 {
                Tokenizer.normalizedUTF8(field == .title ? layout.title : layout.bottom, into: &reference)
                reference.withUnsafeBufferPointer { views[field.slot].append($0) }
            }
        }
        if want & (1 << TextView.lines.slot) != 0, let ocr = record.string(at: ocrPath) {
            Tokenizer.normalizedUTF8(RecordText.foldingDigits(ocr), into: &reference)
            reference.withUnsafeBufferPointer { views[TextView.lines.slot].append($0) }
        }
        if want & (1 << TextView.last.slot) != 0 {
            Tokenizer.normalizedUTF8(RecordText.last(record, text: textPath, dialogue: dialoguePath), into: &reference)
            reference.withUnsafeBufferPointer { views[TextView.last.slot].append($0) }
        }
    }

    /// Normalises the JSON string body `bytes` once into the first view of `mask` and copies it
    /// into the others.
    private func emit(_ bytes: UnsafeBufferPointer<UInt8>, to mask: Int) {
        guard bytes.count > 0, mask != 0 else { return }
        var first: ByteBuffer?
        for i in 0..<4 where mask & (1 << i) != 0 {
            if let f = first { views[i].append(f.buffer) } else { normalizer.append(bytes, to: views[i], escapes: true); first = views[i] }
        }
    }

    /// The body of a string value between its quotes, still escaped (empty when absent or not a
    /// string): empty exactly when the decoded string is.
    private static func rawBody(_ raw: Record.RawValue, _ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard case .at(let r) = raw, line[r.lowerBound] == UInt8(ascii: "\"") else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: line[(r.lowerBound + 1)..<(r.upperBound - 1)])
    }

    /// The unescaped body of a string value (empty when absent or not a string), in a scratch
    /// buffer when it has escapes.
    private func stringBody(_ raw: Record.RawValue, _ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard case .at(let r) = raw, line[r.lowerBound] == UInt8(ascii: "\"") else { return UnsafeBufferPointer(start: nil, count: 0) }
        let body = UnsafeBufferPointer(rebasing: line[(r.lowerBound + 1)..<(r.upperBound - 1)])
        guard body.count > 0, memchr(body.baseAddress!, 0x5C, body.count) != nil else { return body }
        let out = unescaped[0]
        out.count = 0
        unescapeJSON(body, into: out)
        return out.buffer
    }

    /// `Dialogue(text:)` on bytes: lines split on CR or LF (empty ones skipped), a speaker tag
    /// opens a turn with its trimmed rest, other lines continue the current turn untrimmed, or
    /// open a user turn (trimmed) before any tag.
    private func splitTagged(_ d: UnsafeBufferPointer<UInt8>, _ turns: inout TurnWriter) {
        Dialogue.splitLines(d, open: { speaker, rest in
            turns.open(speaker, rest, normalizer: &normalizer, trim: true)
        }, continueTurn: { line in
            turns.continueTurn(line, normalizer: &normalizer)
        })
    }

    /// The reference: `RecordText` and `Tokenizer.normalizedUTF8`, for records the bytes do not settle.
    private func loadReference(_ record: Record, _ want: Int) {
        let text = RecordText(record, text: textPath, dialogue: dialoguePath, ocr: ocrPath)
        for field in TextView.allCases where want & (1 << field.slot) != 0 && !field.isDerived {
            Tokenizer.normalizedUTF8(text[field], into: &reference)
            reference.withUnsafeBufferPointer { views[field.slot].append($0) }
        }
    }
}

/// Writes dialogue turns into the user, agent and all views with `RecordText`'s joins: turns of a
/// view joined by "\n", and that joined text set after what the view already holds (the plain
/// text) with one "\n", unless either is empty.
private struct TurnWriter {
    let want: Int
    let views: [ByteBuffer]
    /// Per view (by `TextView.slot`): turns written, the length before its separator, and where its turns begin.
    var turns = (0, 0, 0, 0), base = (0, 0, 0, 0), start = (0, 0, 0, 0)
    var count = 0
    var current = Speaker.user

    init(want: Int, views: [ByteBuffer]) {
        self.want = want
        self.views = views
    }

    /// The views a turn of `speaker` goes to: its own view and all.
    @inline(__always) func targets(_ speaker: Speaker) -> (Int, Int) {
        let own = speaker == .user ? TextView.user.slot : TextView.agent.slot
        return (want & (1 << own) != 0 ? own : -1, want & (1 << TextView.all.slot) != 0 ? TextView.all.slot : -1)
    }

    @inline(__always) mutating func separate(_ v: Int) {
        let b = views[v]
        let n = get(turns, v)
        if n == 0 {
            set(&base, v, b.count)
            if b.count > 0 { b.append(0x0A) }
            set(&start, v, b.count)
        } else {
            b.append(0x0A)
        }
        set(&turns, v, n + 1)
    }

    mutating func open(_ speaker: Speaker, _ text: UnsafeBufferPointer<UInt8>, normalizer: inout ByteNormalizer, trim: Bool) {
        var a = 0, z = text.count
        if trim {
            while a < z && Self.isSpace(text[a]) { a += 1 }
            while z > a && Self.isSpace(text[z - 1]) { z -= 1 }
        }
        let body = UnsafeBufferPointer(rebasing: text[a..<z])
        count += 1
        current = speaker
        let (own, all) = targets(speaker)
        if own >= 0 { separate(own) }
        if all >= 0 { separate(all) }
        write(body, own, all, &normalizer)
    }

    mutating func continueTurn(_ line: UnsafeBufferPointer<UInt8>, normalizer: inout ByteNormalizer) {
        let (own, all) = targets(current)
        if own >= 0 { views[own].append(0x0A) }
        if all >= 0 { views[all].append(0x0A) }
        write(line, own, all, &normalizer)
    }

    @inline(__always) func write(_ text: UnsafeBufferPointer<UInt8>, _ own: Int, _ all: Int, _ normalizer: inout ByteNormalizer) {
        guard text.count > 0 else { return }
        if own >= 0 {
            let b = views[own], from = b.count
            normalizer.append(text, to: b)
            if all >= 0 { views[all].append(UnsafeBufferPointer(start: b.p + from, count: b.count - from)) }
        } else if all >= 0 {
            normalizer.append(text, to: views[all])
        }
    }

    /// Drops the separator of a view whose joined turns came out empty (a single empty turn).
    mutating func finish() {
        for v in 0..<4 where get(turns, v) > 0 && views[v].count == get(start, v) {
            views[v].count = get(base, v)
        }
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    @inline(__always) func get(_ t: (Int, Int, Int, Int), _ i: Int) -> Int {
        switch i { case 0: return t.0; case 1: return t.1; case 2: return t.2; default: return t.3 }
    }

    @inline(__always) func set(_ t: inout (Int, Int, Int, Int), _ i: Int, _ v: Int) {
        switch i { case 0: t.0 = v; case 1: t.1 = v; case 2: t.2 = v; default: t.3 = v }
    }
}

extension TextView {
    /// Index of the view in `TextBytes`' tables.
    fileprivate var slot: Int { ordinal }
}
