import JSONLines

/// A policy with its thresholds: what `--policy` says for one task.
public struct PolicySetting: Equatable, Sendable {
    public var policy: MergePolicy
    public var thresholds: GuardThresholds

    public init(_ policy: MergePolicy, _ thresholds: GuardThresholds) {
        self.policy = policy
        self.thresholds = thresholds
    }

    /// `override`, `model`, or `guarded:CONFIDENCE:REWARD` (the form `--policy` reads back).
    public var spec: String {
        policy == .guarded ? "guarded:\(thresholds.modelConfidence):\(thresholds.ruleReward)" : policy.rawValue
    }

    /// Parses `override`, `model`, `guarded` (with `defaults`) or `guarded:C:R`.
    public static func parse(_ text: String, defaults: GuardThresholds) throws -> PolicySetting {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let policy = MergePolicy(rawValue: parts[0]) else {
            throw PolicyError("unknown policy '\(parts[0])'; expected one of: \(MergePolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if parts.count == 1 { return PolicySetting(policy, defaults) }
        guard policy == .guarded, parts.count == 3, let c = Double(parts[1]), let r = Double(parts[2]), (0...1).contains(c), r.isFinite else {
            throw PolicyError("'\(text)': only guarded takes thresholds, as guarded:CONFIDENCE:REWARD with CONFIDENCE in [0, 1]")
        }
        return PolicySetting(.guarded, GuardThresholds(modelConfidence: c, ruleReward: r))
    }
}

public struct PolicyError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// `--policy`: one setting for every record, or one per task, e.g. `guarded` or
/// `intent=guarded:0.3:0.95,scene=model`; an entry without `TASK=` is the setting of records
/// whose task is not listed (and of records without one); without such an entry they get
/// `guarded` (the default policy) with the run's thresholds. This is the line `kdsl-merge --choose` prints; a task name holding `,`, `=` or `%`
/// is written percent-encoded there (`a%2Cb=model`) and read back decoded.
public struct PolicyPlan: Equatable, Sendable {
    public var byTask: [String: PolicySetting]
    public var fallback: PolicySetting

    public init(byTask: [String: PolicySetting] = [:], fallback: PolicySetting) {
        self.byTask = byTask
        self.fallback = fallback
    }

    public static func parse(_ text: String, defaults: GuardThresholds) throws -> PolicyPlan {
        var plan = PolicyPlan(fallback: PolicySetting(.guarded, defaults))
        var sawFallback = false
        for entry in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if let eq = entry.firstIndex(of: "=") {
                let task = PolicyPlan.unescapedTask(String(entry[..<eq]))
                guard !task.isEmpty else { throw PolicyError("'\(entry)': empty task name before '='") }
                guard plan.byTask[task] == nil else { throw PolicyError("task '\(task)' is given twice") }
                plan.byTask[task] = try PolicySetting.parse(String(entry[entry.index(after: eq)...]), defaults: defaults)
            } else {
                guard !sawFallback else { throw PolicyError("more than one entry without TASK= in '\(text)'") }
                sawFallback = true
                plan.fallback = try PolicySetting.parse(entry, defaults: defaults)
            }
        }
        return plan
    }

    /// A task name as `spec` writes it: `%`, `,` and `=` percent-encoded (`%25`, `%2C`, `%3D`), so
    /// that a task such as `a,b` or `k=v` reads back as itself.
    public static func escapedTask(_ task: String) -> String {
        guard task.utf8.contains(where: { $0 == 0x25 || $0 == 0x2C || $0 == 0x3D }) else { return task }
        var out = ""
        for c in task.unicodeScalars {
            switch c {
            case "%": out += "%25"
            case ",": out += "%2C"
            case "=": out += "%3D"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The inverse of `escapedTask`: `%25`, `%2C`, `%3D` (either case) decoded; any other `%` kept.
    public static func unescapedTask(_ text: String) -> String {
        guard text.contains("%") else { return text }
        let codes: [String: String] = ["25": "%", "2C": ",", "3D": "="]
        var out = ""
        var rest = Substring(text)
        while let i = rest.firstIndex(of: "%") {
            out += rest[..<i]
            let code = rest[rest.index(after: i)...].prefix(2).uppercased()
            if let c = codes[code] {
                out += c
                rest = rest[rest.index(i, offsetBy: 3)...]
            } else {
                out += "%"
                rest = rest[rest.index(after: i)...]
            }
        }
        return out + rest
    }

    /// The setting for a record of `task`.
    public func setting(for task: String?) -> PolicySetting { task.flatMap { byTask[$0] } ?? fallback }

    /// Whether any setting depends on the task (the stage then reads it).
    public var readsTask: Bool { !byTask.isEmpty }

    /// The `--policy` text of this plan: tasks in byte order, then the fallback when it is not
    /// the implicit one (`guarded` with the standard thresholds) or no task is listed.
    public var spec: String {
        var parts = byTask.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { "\(PolicyPlan.escapedTask($0))=\(byTask[$0]!.spec)" }
        if parts.isEmpty || fallback != PolicySetting(.guarded, .standard) { parts.append(fallback.spec) }
        return parts.joined(separator: ",")
    }
}

/// `kdsl-merge --choose`: per task, the setting under which the rules correct the most model
/// errors net of the right answers they break, on records that carry out-of-fold `rules`,
/// `model` and a gold label (so the choice is made on records neither stage was fitted on);
/// the model alone unless that gain is clear of noise (`margin`).
public struct PolicyChooser {
    /// What is tried, in order of preference on ties: the model alone (so rules that only break
    /// even are left out), override, then guarded over a grid of thresholds.
    public static let candidates: [PolicySetting] = {
        var out = [PolicySetting(.model, GuardThresholds(modelConfidence: 0.3, ruleReward: 0.95)),
                   PolicySetting(.override, GuardThresholds(modelConfidence: 0.3, ruleReward: 0.95))]
        for c in [0.2, 0.3, 0.5, 0.7, 0.9] {
            for r in [0.8, 0.9, 0.95] { out.append(PolicySetting(.guarded, GuardThresholds(modelConfidence: c, ruleReward: r))) }
        }
        return out
    }()

    struct Case { var rule: RuleVerdict?; var model: ModelVerdict?; var gold: String }
    /// Records by task (nil: no task), in first-seen order of tasks.
    private var cases: [String?: [Case]] = [:]
    private var order: [String?] = []

    public init() {}

    public mutating func add(task: String?, rule: RuleVerdict?, model: ModelVerdict?, gold: String) {
        if cases[task] == nil { order.append(task) }
        cases[task, default: []].append(Case(rule: rule, model: model, gold: gold))
    }

    /// How one task's records fare under `setting`: labels changed from the model's that are now
    /// right (corrected) and that were right before (broken).
    public struct Outcome: Equatable {
        public var corrected = 0
        public var broken = 0
        public var net: Int { corrected - broken }
    }

    /// How many standard deviations of the changes the net gain must reach before the rules are
    /// let in (2, as kdsl-model's own choices: about a 2.5% chance that noise alone does it).
    public static let margin = 2.0

    /// Whether an outcome's net gain is clear of noise: corrected − broken > margin·√(corrected + broken).
    static func clear(_ o: Outcome) -> Bool {
        Double(o.net) > margin * Double(o.corrected + o.broken).squareRoot()
    }

    static func outcome(_ cases: [Case], _ setting: PolicySetting) -> Outcome {
        var o = Outcome()
        for c in cases {
            let d = decide(rule: c.rule, model: c.model, policy: setting.policy, thresholds: setting.thresholds)
            let before = c.model?.label == c.gold, after = d.label == c.gold
            if after && !before { o.corrected += 1 }
            if before && !after { o.broken += 1 }
        }
        return o
    }

    /// The chosen plan, and one line per task saying why (for stderr).
    public func choose() -> (plan: PolicyPlan, notes: [String]) {
        var plan = PolicyPlan(fallback: Self.candidates[0])
        var notes: [String] = []
        let tasks = order.sorted { ($0 ?? "").utf8.lexicographicallyPrecedes(($1 ?? "").utf8) }
        for task in tasks {
            let group = cases[task]!
            var best = Self.candidates[0], bestOutcome = Self.outcome(group, best)
            for c in Self.candidates.dropFirst() {
                let o = Self.outcome(group, c)
                if o.net > bestOutcome.net { best = c; bestOutcome = o }
            }
            var note = ""
            if best.policy != .model && !Self.clear(bestOutcome) {
                note = "; \(best.spec) would correct \(bestOutcome.corrected) and break \(bestOutcome.broken), within noise"
                best = Self.candidates[0]; bestOutcome = Outcome()
            }
            let over = Self.outcome(group, Self.candidates[1])
            notes.append("\(task ?? "(no task)"): \(best.spec) on \(group.count) records: \(bestOutcome.corrected) corrected, \(bestOutcome.broken) broken (override: \(over.corrected) corrected, \(over.broken) broken\(note))")
            if let task { plan.byTask[task] = best } else { plan.fallback = best }
        }
        return (plan, notes)
    }
}
