import Shared

/// `kdsl-rules apply`: one record in, one record out, with the `rules` key set.
enum ApplyStage {
    static func run(_ set: RuleSet, key: String, fields: FieldOptions, options: StreamOptions) -> Never {
        var matcher = RuleMatcher(set.rules)
        let taskPath = FieldPath(fields.task)
        let outKey = FieldPath(key)
        let none = matcher.value(for: [])
        let used = matcher.usedFields
        // The text views are built from the record's bytes, and a top-level `rules` value is
        // copied from pieces serialised once: per record, no String and no JSON tree (perf).
        let views = TextBytes(text: FieldPath(fields.text), dialogue: FieldPath(fields.dialogue), ocr: FieldPath(fields.ocr))
        var output: [UInt8] = []
        runFilter(options) { record in
            let task = record.string(at: taskPath)
            let fired: [Int32]
            if !used.isEmpty {
                views.load(record, views: used)
                fired = matcher.fire(views: views, task: task)
            } else {
                fired = []
            }
            if outKey.keys.count == 1 {
                output.removeAll(keepingCapacity: true)
                matcher.serializedValue(for: fired, into: &output)
                record.set(key, serialized: output)
            } else {
                record.set(outKey, fired.isEmpty ? none : matcher.value(for: fired))
            }
        }
    }
}
