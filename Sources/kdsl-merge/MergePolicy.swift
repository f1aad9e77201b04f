import JSONLines
import RecordKeys

/// How a fired rule and the model's prediction combine into one label (paper §2.3).
public enum MergePolicy: String, CaseIterable, Sendable {
    /// The paper's collaboration: where a rule applies, its label replaces the model's.
    case override
    /// A fired rule replaces the model's label unless the model is confident (p ≥ the confidence
    /// threshold) and the rule's reward is below the reward threshold; then the model stands.
    /// A rule without a reward (written by a person, never scored) always stands, as it ranks
    /// above every scored rule in kdsl-rules' conflict order.
    case guarded
    /// The model's label stands even where a rule fired (the rules are left out: what a nested
    /// choice picks for a task whose rules do not correct more than they break).
    case model
}

/// The thresholds of the `guarded` policy.
public struct GuardThresholds: Equatable, Sendable {
    /// The model keeps its label when its probability is at least this...
    public var modelConfidence: Double
    /// ...and the rule's reward is below this.
    public var ruleReward: Double
    public init(modelConfidence: Double, ruleReward: Double) {
        self.modelConfidence = modelConfidence
        self.ruleReward = ruleReward
    }

    /// The thresholds `--model-confidence` and `--rule-reward` default to.
    public static let standard = GuardThresholds(modelConfidence: 0.3, ruleReward: 0.95)
}

/// What the rules stage said about one record: a `RulesValue` with a label.
public struct RuleVerdict: Equatable, Sendable {
    public var label: String
    public var id: String?
    public var reward: Double?
}

/// What the model said about one record: a `ModelValue` with a label.
public struct ModelVerdict: Equatable, Sendable {
    public var label: String
    public var p: Double?
}

/// Combines the two verdicts under `policy`. Pure: the whole of the merge logic.
public func decide(rule: RuleVerdict?, model: ModelVerdict?, policy: MergePolicy, thresholds: GuardThresholds) -> PredictionValue {
    guard let rule, policy != .model || model == nil else {
        if let model { return PredictionValue(label: model.label, source: .model, rule: nil) }
        return PredictionValue(label: nil, source: .none, rule: nil)
    }
    if policy == .guarded, let model, model.label != rule.label,
       let p = model.p, p >= thresholds.modelConfidence,
       let reward = rule.reward, reward < thresholds.ruleReward
    {
        return PredictionValue(label: model.label, source: .model, rule: nil)
    }
    return PredictionValue(label: rule.label, source: .rule, rule: rule.id)
}
