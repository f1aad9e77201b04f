import Basics
import JSONLines
import TextViews

/// `check`, `show` and `validate`: reading a rule base back for people and for the last pass.
enum RuleReport {
    /// Lists every problem of a rule file with its line; exit 1 when there is any.
    static func check(_ path: String) throws {
        let (set, problems) = try RuleSet.parse(bytesOf: path)
        for p in problems { Diagnostics.shared.emit(p.description) }
        if !problems.isEmpty {
            Diagnostics.shared.emit("\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s"), \(set.rules.count) valid rules")
            throw StageStop.badInput
        }
        if set.rules.isEmpty { Diagnostics.shared.warning("\(path): no rules") } else { Diagnostics.shared.note("\(path): \(set.rules.count) rules, ok") }
    }

    /// How `show` prints a rule: a sentence in words (the default) or the compact symbols.
    enum ShowFormat: String, CaseIterable { case words, symbols }

    /// Prints the rules sorted by task and label (UTF-8 order), each label's rules in conflict
    /// order: the order in which `apply` would try them.
    static func show(_ set: RuleSet, format: ShowFormat) throws {
        var groups: [String: [Rule]] = [:]
        for r in set.rules { groups[(r.task ?? "") + "\u{1}" + r.label, default: []].append(r) }
        let sorted = groups.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).map { groups[$0]!.sorted(by: Rule.ranksBefore) }
        StandardOutput.shared.write(format == .words ? inWords(sorted.flatMap { $0 }) : inSymbols(sorted))
    }

    /// One line per rule under a header, columns aligned by display width (a CJK character takes
    /// two): id, task, the statistics the file holds (`-` where a rule lacks one), then the rule
    /// as a sentence, `IF user contains "退款" AND ocr does not contain "已签收" THEN label = 退款`.
    /// A column no rule has a value for is left out.
    static func inWords(_ rules: [Rule]) -> String {
        guard !rules.isEmpty else { return "" }
        func has<T>(_ value: (Rule) -> T?) -> Bool { rules.contains { value($0) != nil } }
        func count(_ n: Int?) -> String { n.map(String.init) ?? "-" }
        var columns: [(header: String, cell: (Rule) -> String)] = [("id", { plain($0.id) })]
        if has(\.task) { columns.append(("task", { $0.task.map(plain) ?? "-" })) }
        columns.append(("reward", { $0.reward.map(fixed) ?? "-" }))
        if has(\.precision) { columns.append(("precision", { $0.precision.map(fixed) ?? "-" })) }
        if has(\.hits) { columns.append(("hits", { count($0.hits) })) }
        if has(\.support) { columns.append(("support", { count($0.support) })) }
        if has(\.broken) { columns.append(("broken", { count($0.broken) })) }
        if has(\.folds) { columns.append(("folds", { count($0.folds) })) }
        columns.append(("rule", { $0.sentence }))
        let left: Set<Int> = Set(columns.indices.filter { ["id", "task", "rule"].contains(columns[$0].header) })
        var table = TextTable(leftAligned: left)
        table.add(columns.map(\.header))
        for r in rules { table.add(columns.map { $0.cell(r) }) }
        return table.render()
    }

    /// The rules grouped under a `task / label  (N rules)` head, each with its statistics and
    /// its predicates in symbols (`user ∋ "退款" ∧ ocr ∌ "已签收"`).
    static func inSymbols(_ groups: [[Rule]]) -> String {
        var out = ""
        for rules in groups {
            let head = (rules[0].task.map { "\(plain($0)) / " } ?? "") + plain(rules[0].label)
            out += "\(head)  (\(rules.count) rule\(rules.count == 1 ? "" : "s"))\n"
            for r in rules {
                var stats: [String] = []
                stats.append("reward " + (r.reward.map { fixed($0) } ?? "-"))
                if let p = r.precision { stats.append("precision \(fixed(p))" + (r.hits.flatMap { h in r.support.map { " (\(h)/\($0))" } } ?? "")) }
                else if let s = r.support { stats.append("support \(s)") }
                if let b = r.broken { stats.append("broken \(b)") }
                if let f = r.folds { stats.append("folds \(f)") }
                if let s = r.source { stats.append(printableCell(s)) }
                out += "  \(plain(r.id))  " + stats.joined(separator: "  ") + "\n"
                out += "      " + r.predicates.map(\.symbols).joined(separator: " ∧ ") + "\n"
            }
            out += "\n"
        }
        return out
    }

    /// An id, task or label as people read it: as written, unless it holds a control character
    /// (a newline would break the table) or is blank at either end; then quoted as in JSON.
    static func plain(_ s: String) -> String {
        let odd = s.unicodeScalars.contains { isDisplayControl($0.value) }
        return odd || s.first == " " || s.last == " " ? quotedForDisplay(s) : s
    }

    /// A reward or precision for people: three decimals.
    static func fixed(_ x: Double) -> String { Decimals.fixed(x, places: 3) }

    /// Re-scores every rule on the records (no cross-fitting: these are held-out records) and
    /// drops those under `minReward`; rules that never fire are kept unchanged, with a warning.
    static func validate(_ set: RuleSet, minReward: Double, z: Double, fields: RecordFields, against: String?,
                         out: String?, stream: StreamOptions) throws {
        let records = try LabelledInput.read(fields: fields, against: against, stream: stream)
        let matcher = RuleMatcher(set.rules)
        // The matcher holds the rules in conflict order; map back to file order by position.
        var rankOf: [String: Int] = [:]
        for (i, r) in matcher.rules.enumerated() { rankOf[r.id] = i }
        var counts = Array(repeating: Reward.Counts(), count: matcher.rules.count)
        var labels = Set<String>(), tasks = Set<String>()
        for r in records {
            labels.insert(r.label); if let t = r.task { tasks.insert(t) }
            let text = r.text
            for i in matcher.fire(text: { text[$0] }, task: r.task) {
                let rule = matcher.rules[Int(i)]
                counts[Int(i)].fired += 1
                if against != nil {
                    if r.label == rule.label && r.prediction != rule.label { counts[Int(i)].hits += 1 }
                    if r.label != rule.label && r.prediction == r.label { counts[Int(i)].broken += 1 }
                } else if r.label == rule.label {
                    counts[Int(i)].hits += 1
                }
            }
        }
        var kept: [Rule] = [], dropped = 0, unjudged = 0
        for var rule in set.rules {
            if !labels.contains(rule.label) { Diagnostics.shared.warning("rule \(rule.id): label \(JSON.string(rule.label).serialized) does not occur in the data") }
            if let t = rule.task, !tasks.contains(t) { Diagnostics.shared.warning("rule \(rule.id): task \(JSON.string(t).serialized) does not occur in the data") }
            let c = counts[rankOf[rule.id]!]
            if c.fired == 0 {
                unjudged += 1
                Diagnostics.shared.warning("rule \(rule.id) fires on no record: kept unchanged")
                kept.append(rule)
                continue
            }
            let reward = Rule.round4(Reward.of(c, against: against != nil, z: z))
            if reward < minReward { dropped += 1; continue }
            rule.reward = reward
            rule.precision = Rule.round4(Double(c.hits) / Double(c.fired))
            rule.hits = c.hits
            rule.support = c.fired
            rule.broken = against != nil ? c.broken : nil
            kept.append(rule)
        }
        Diagnostics.shared.note("validated \(set.rules.count) rules on \(records.count) records: \(kept.count) kept (\(unjudged) of them never fired, kept unchanged), \(dropped) dropped under \(minReward)")
        let bytes = RuleSet(rules: kept).jsonLines
        if let out { try AtomicFile.write(bytes, to: out) } else { StandardOutput.shared.write(bytes) }
    }
}
