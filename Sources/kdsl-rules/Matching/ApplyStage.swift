import JSONLines
import RecordKeys
import TextViews

/// `kdsl-rules apply`: one record in, one record out, with the `rules` key set.
enum ApplyStage {
    /// With `jobs` > 1 each worker compiles its own matcher (it keeps per-record scratch state)
    /// and JSONLines' `ParallelFilter` keeps the output in input order: the same bytes for any `jobs`.
    /// `explain`: the value also says which conditions of the winning rule held and the text
    /// around each literal found (`RulesValue.explain`); written through the JSON tree.
    static func run(_ set: RuleSet, output outKey: FieldPath, fields: RecordFields, options: StreamOptions, jobs: Int = 1,
                    explain: Bool = false) throws {
        let taskPath = fields.task
        let (text, dialogue, ocr) = (fields.text, fields.dialogue, fields.ocr)
        try ParallelFilter(options, jobs: jobs).run {
            let matcher = RuleMatcher(set.rules)
            let none = matcher.value(for: [])
            let used = matcher.usedViews
            // The text views are built from the record's bytes, and a top-level `rules` value
            // is copied from pieces serialised once: per record, no String and no JSON tree (perf).
            let views = TextBytes(text: text, dialogue: dialogue, ocr: ocr)
            let output = SerializedValue()
            return { record, _ in
                let task = try record.optionalString(at: taskPath)
                let fired: [Int32]
                if !used.isEmpty {
                    views.load(record, views: used)
                    // A text field of the wrong type is a bad record, not empty text.
                    if let problem = views.mistyped { throw RecordError(problem) }
                    fired = matcher.fire(views: views, task: task)
                } else {
                    fired = []
                }
                if explain {
                    var value = matcher.rulesValue(for: fired)
                    value.explain = fired.first.map { w in
                        matcher.rules[Int(w)].predicates.map { p in
                            let text = views.withView(p.view) { String(decoding: $0, as: UTF8.self) }
                            return RulesValue.Condition(field: p.view.rawValue, literal: p.literal, negated: p.negated,
                                                        context: p.negated ? nil : RulesValue.Condition.context(of: p.literal, in: text))
                        }
                    } ?? []
                    record.set(outKey, value.json)
                } else if outKey.keys.count == 1 {
                    output.bytes.removeAll(keepingCapacity: true)
                    matcher.serializedValue(for: fired, into: &output.bytes)
                    record.set(outKey.keys[0], serialized: output.bytes)
                } else {
                    record.set(outKey, fired.isEmpty ? none : matcher.value(for: fired))
                }
            }
        }
    }
}

/// A worker's buffer for the serialised `rules` value. A class with an unchecked property, not a
/// captured `var`: a `var` captured by the worker's (escaping) closure would be checked for
/// exclusive access at run time on every record.
private final class SerializedValue {
    @exclusivity(unchecked) var bytes: [UInt8] = []
}
