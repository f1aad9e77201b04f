import Testing
@testable import kdsl_merge

@Suite struct PolicyPlanTests {
    let defaults = GuardThresholds(modelConfidence: 0.3, ruleReward: 0.95)

    @Test func parsesOnePolicyOrOnePerTask() throws {
        let one = try PolicyPlan.parse("guarded", defaults: defaults)
        #expect(one.fallback == PolicySetting(.guarded, defaults) && !one.readsTask)
        let plan = try PolicyPlan.parse("intent=guarded:0.5:0.9,scene=model", defaults: defaults)
        #expect(plan.setting(for: "intent") == PolicySetting(.guarded, GuardThresholds(modelConfidence: 0.5, ruleReward: 0.9)))
        #expect(plan.setting(for: "scene").policy == .model)
        // A task no entry names gets the default policy, guarded with the run's thresholds.
        #expect(plan.setting(for: "other") == PolicySetting(.guarded, defaults))
        #expect(plan.setting(for: nil) == PolicySetting(.guarded, defaults))
        #expect(try PolicyPlan.parse("model,scene=override", defaults: defaults).setting(for: "x").policy == .model)
    }

    @Test func specReadsBackAsTheSamePlan() throws {
        for text in ["override", "model", "guarded:0.3:0.95", "intent=guarded:0.7:0.8,scene=model", "a=override,model", "a=model,override"] {
            let plan = try PolicyPlan.parse(text, defaults: defaults)
            #expect(plan.spec == text)
            #expect(try PolicyPlan.parse(plan.spec, defaults: defaults) == plan)
        }
    }

    @Test func refusesWhatItCannotRead() {
        for bad in ["maybe", "scene=", "=model", "a=model,a=override", "model,override", "override:0.3:0.9", "guarded:2:0.9", "guarded:0.3"] {
            #expect(throws: PolicyError.self) { try PolicyPlan.parse(bad, defaults: defaults) }
        }
    }

    @Test func modelPolicyKeepsTheModelUnlessItHasNoLabel() {
        let rule = RuleVerdict(label: "b", id: "r1", reward: 0.99)
        #expect(decide(rule: rule, model: ModelVerdict(label: "a", p: 0.1), policy: .model, thresholds: defaults).label == "a")
        #expect(decide(rule: rule, model: nil, policy: .model, thresholds: defaults).source == .rule)
    }

    /// Per task, the setting with the most corrections net of broken answers; the model alone when
    /// the rules break as much as they fix, or gain too little to tell from noise.
    @Test func chooserPicksPerTaskAndPrefersTheModelOnTies() {
        var c = PolicyChooser()
        let fix = RuleVerdict(label: "b", id: "r1", reward: 0.99)
        // Task t: the rule corrects five records (5 > 2·√5).
        for _ in 0..<5 { c.add(task: "t", rule: fix, model: ModelVerdict(label: "a", p: 0.9), gold: "b") }
        // Task u: a weak rule corrects five unsure models and breaks five confident ones.
        let weak = RuleVerdict(label: "b", id: "r2", reward: 0.85)
        for _ in 0..<5 {
            c.add(task: "u", rule: weak, model: ModelVerdict(label: "a", p: 0.25), gold: "b")
            c.add(task: "u", rule: weak, model: ModelVerdict(label: "a", p: 0.95), gold: "a")
        }
        // Task v: corrects one, breaks one, whatever the thresholds (same confidence and reward).
        let even = RuleVerdict(label: "b", id: "r3", reward: 0.85)
        c.add(task: "v", rule: even, model: ModelVerdict(label: "a", p: 0.6), gold: "b")
        c.add(task: "v", rule: even, model: ModelVerdict(label: "a", p: 0.6), gold: "a")
        // Task w: three corrections and nothing broken: within noise (3 < 2·√3).
        for _ in 0..<3 { c.add(task: "w", rule: fix, model: ModelVerdict(label: "a", p: 0.9), gold: "b") }
        let (plan, notes) = c.choose()
        #expect(plan.setting(for: "t").policy == .override)
        #expect(plan.setting(for: "u") == PolicySetting(.guarded, GuardThresholds(modelConfidence: 0.3, ruleReward: 0.9)))
        #expect(plan.setting(for: "v").policy == .model)
        #expect(plan.setting(for: "w").policy == .model)
        #expect(plan.spec == "t=override,u=guarded:0.3:0.9,v=model,w=model,model")
        #expect(notes.count == 4 && notes[0].hasPrefix("t: override on 5 records: 5 corrected, 0 broken"))
        #expect(notes[3].hasSuffix("override would correct 3 and break 0, within noise)"))
    }
}
