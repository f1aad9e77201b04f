import RecordKeys
import Testing
@testable import kdsl_merge

@Suite struct MergePolicyTests {
    let t = GuardThresholds(modelConfidence: 0.9, ruleReward: 0.95)
    let rule = RuleVerdict(label: "refund", id: "r7", reward: 0.9)
    let confident = ModelVerdict(label: "logistics", p: 0.97)
    let unsure = ModelVerdict(label: "logistics", p: 0.6)

    @Test func overrideLetsAFiredRuleWin() {
        let d = decide(rule: rule, model: confident, policy: .override, thresholds: t)
        #expect(d == PredictionValue(label: "refund", source: .rule, rule: "r7"))
    }

    @Test func modelDecidesWhenNoRuleFired() {
        #expect(decide(rule: nil, model: unsure, policy: .override, thresholds: t) == PredictionValue(label: "logistics", source: .model, rule: nil))
    }

    @Test func neitherGivesNone() {
        for policy in MergePolicy.allCases {
            #expect(decide(rule: nil, model: nil, policy: policy, thresholds: t) == PredictionValue(label: nil, source: .none, rule: nil))
        }
    }

    @Test func ruleAloneDecides() {
        #expect(decide(rule: rule, model: nil, policy: .guarded, thresholds: t).source == .rule)
    }

    @Test func guardedKeepsAConfidentModelOverAWeakerRule() {
        #expect(decide(rule: rule, model: confident, policy: .guarded, thresholds: t) == PredictionValue(label: "logistics", source: .model, rule: nil))
    }

    @Test func guardedLetsAStrongRuleOrAnUnsureModelGo() {
        let strong = RuleVerdict(label: "refund", id: "r1", reward: 0.99)
        #expect(decide(rule: strong, model: confident, policy: .guarded, thresholds: t).source == .rule)
        #expect(decide(rule: rule, model: unsure, policy: .guarded, thresholds: t).source == .rule)
    }

    /// kdsl-rules ranks a rule without a reward (hand-written) above every scored rule; the guard
    /// must not treat it as the weakest.
    @Test func guardedLetsAnUnscoredHandWrittenRuleStand() {
        let handWritten = RuleVerdict(label: "refund", id: "mine", reward: nil)
        #expect(decide(rule: handWritten, model: confident, policy: .guarded, thresholds: t) == PredictionValue(label: "refund", source: .rule, rule: "mine"))
    }

    @Test func agreementIsCreditedToTheRule() {
        let same = ModelVerdict(label: "refund", p: 0.99)
        #expect(decide(rule: rule, model: same, policy: .guarded, thresholds: t) == PredictionValue(label: "refund", source: .rule, rule: "r7"))
    }

    @Test func predictionJSONNamesTheRuleOnlyWhenARuleDecided() {
        #expect(PredictionValue(label: "a", source: .rule, rule: "r1").json.serialized == #"{"label":"a","source":"rule","rule":"r1"}"#)
        #expect(PredictionValue(label: "a", source: .model, rule: nil).json.serialized == #"{"label":"a","source":"model"}"#)
        #expect(PredictionValue(label: nil, source: .none, rule: nil).json.serialized == #"{"label":null,"source":"none"}"#)
    }
}
