import ArgumentParser
import Shared
import StageCLI

@main
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-merge",
        abstract: "Rule-over-model correction: combine the rules' and the model's labels into one prediction.",
        discussion: """
        Reads records carrying `rules` (from kdsl-rules apply) and/or `model` (from kdsl-model \
        predict) and writes `prediction`: {"label", "source": "rule"|"model"|"none", "rule": id}. \
        Either key may be absent; a record with neither gets label null and source "none".

        Policies (paper §2.3):
          override  a fired rule replaces the model's label (the paper's collaboration).
          guarded   as override, except that the model keeps its label when it is confident \
        (model.p >= --model-confidence) and the rule's reward is below --rule-reward; a rule without \
        a reward (hand-written, never scored) always stands. The defaults (0.3, 0.95) come from a \
        grid over out-of-fold WWW2025 predictions (docs/benchmarks.md; not nested, so they are a \
        starting point, not a tuned optimum): a softmax over ~23 classes rarely reaches 0.9, so a \
        rule only overrules a model that has a clear favourite when the rule is very reliable.

        Exit status: 0 all records merged; 1 bad records (reported with their line, forwarded \
        with an `error` field); 2 usage error.

        Example:
          kdsl-rules apply --rules rules.jsonl < test.jsonl | kdsl-model predict --model m.kdsl \\
            | kdsl-merge | kdsl-score --by task
        """)

    static func main() { stageMain() }

    @Argument(help: "Input files (default: stdin; - is stdin).")
    var files: [String] = []

    @Option(help: "How rules and model combine: override or guarded.")
    var policy: String = "override"

    @Option(help: "guarded: the model keeps its label when its probability is at least this.")
    var modelConfidence: Double = 0.3

    @Option(help: "guarded: ...and the fired rule's reward is below this.")
    var ruleReward: Double = 0.95

    @Option(help: "Field holding the rules stage's verdict.")
    var rules: String = "rules"

    @Option(help: "Field holding the model's verdict.")
    var model: String = "model"

    @Option(help: "Field to write the merged prediction to.")
    var output: String = "prediction"

    @Flag(help: "Stop at the first bad record (exit 1).")
    var strict = false

    func validate() throws {
        guard MergePolicy(rawValue: policy) != nil else {
            throw ValidationError("unknown policy '\(policy)'; expected one of: \(MergePolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (0...1).contains(modelConfidence) else { throw ValidationError("--model-confidence must be in [0, 1]") }
    }

    func run() throws {
        Diagnostics.shared.stage = "kdsl-merge"
        let policy = MergePolicy(rawValue: self.policy)!
        let thresholds = GuardThresholds(modelConfidence: modelConfidence, ruleReward: ruleReward)
        let reader = VerdictReader(rulesPath: FieldPath(rules), modelPath: FieldPath(model))
        let outputPath = FieldPath(output)
        runFilter(StreamOptions(strict: strict, inputs: files)) { record in
            let decision = decide(rule: try reader.rule(in: record), model: try reader.model(in: record),
                                  policy: policy, thresholds: thresholds)
            record.set(outputPath, decision.json)
        }
    }
}
