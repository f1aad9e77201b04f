import ArgumentParser
import JSONLines
import RecordKeys
import StageCLI

@main
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-merge",
        abstract: "Rule-over-model correction: combine the rules' and the model's labels into one prediction.",
        discussion: """
        Reads records carrying `rules` (from kdsl-rules apply) and/or `model` (from kdsl-model \
        predict) and writes `prediction`: {"label", "source": "rule"|"model"|"none", "rule": id}. \
        Either key may be absent; a record with neither gets label null and source "none" (when \
        no record has either, the run exits 2 after writing them: a key name is wrong). \
        --rules-field, --model-field and --output-field move those keys (--rules, --model and \
        --output are their old names: they still work, with a warning).

        Policies (paper §2.3):
          guarded   (the default) a fired rule replaces the model's label, except that the model \
        keeps its label when it is confident (model.p >= --model-confidence) and the rule's reward \
        is below --rule-reward; a rule without a reward (hand-written, never scored) always stands. \
        The thresholds (0.3, 0.95) are a starting point; `--choose` picks them from data. \
        guarded:C:R gives them inline.
          override  a fired rule replaces the model's label (the paper's collaboration). On five \
        of six labelled sets measured it scored below the model alone, guarded within 0.004 of it \
        (docs/benchmarks.md, "The default merge policy").
          model     the model's label stands; a rule decides only records the model has no label for.
        Per task: --policy intent=guarded:0.3:0.95,scene=model (an entry without TASK= covers the \
        other tasks; otherwise they get guarded).

        Choosing (--choose): reads records that carry out-of-fold `rules` and `model` verdicts and a \
        gold label (from rules mined and a model trained without them: inner folds of a training \
        set), and prints on stdout the --policy line that, per task, corrects the most model errors \
        net of the right answers it breaks, among model, override and guarded on a grid; the model \
        alone wins ties and any gain not clear of noise (net ≤ 2·√(corrected + broken)). One line \
        per task on stderr says what each did. No records are written.

        Exit status: 0 all records merged; 1 bad records (reported with their line, forwarded \
        with an `error` field); 2 usage error.

        Examples:
          kdsl-rules apply --rules rules.jsonl test.ocr.jsonl \\
            | kdsl-model predict --model model.kdsl --image-root data/ \\
            | kdsl-merge > predictions.jsonl
          kdsl-merge --choose oof.jsonl > policy.txt
          kdsl-merge --policy "$(cat policy.txt)" predictions.jsonl | kdsl-score
        """,
        version: ProductVersion.line("kdsl-merge"))

    static func main() { stageMain() }

    @OptionGroup var input: InputOptions
    @OptionGroup var quiet: QuietOption

    @Option(help: "How rules and model combine: guarded[:CONFIDENCE:REWARD], override or model; or per task, TASK=POLICY,... (see above).")
    var policy: String = "guarded"

    @Flag(help: "Print the --policy line that does best on these out-of-fold records instead of merging them.")
    var choose = false

    @OptionGroup var task: TaskFieldOption
    @OptionGroup var label: LabelFieldOption

    @Option(parsing: .unconditional, help: "guarded: the model keeps its label when its probability is at least this.")
    var modelConfidence: Double = GuardThresholds.standard.modelConfidence

    @Option(parsing: .unconditional, help: "guarded: ...and the fired rule's reward is below this.")
    var ruleReward: Double = GuardThresholds.standard.ruleReward

    @Option(help: ArgumentHelp("Field holding the rules stage's verdict (default: rules).", valueName: "path"))
    var rulesField: String?

    @Option(help: ArgumentHelp("Field holding the model's verdict (default: model).", valueName: "path"))
    var modelField: String?

    @OptionGroup var output: OutputFieldOption<MergedPrediction>

    @Option(help: ArgumentHelp("Old name of --rules-field.", visibility: .hidden)) var rules: String?
    @Option(help: ArgumentHelp("Old name of --model-field.", visibility: .hidden)) var model: String?
    @Option(name: .customLong("output"), help: ArgumentHelp("Old name of --output-field.", visibility: .hidden)) var oldOutput: String?

    private var rulesPath: FieldPath { FieldPath(rules ?? rulesField ?? RulesValue.key) }
    private var modelPath: FieldPath { FieldPath(model ?? modelField ?? ModelValue.key) }
    private var outputPath: FieldPath { oldOutput.map { FieldPath($0) } ?? output.path }

    func validate() throws {
        try RenamedFlag.check(rules, "--rules", rulesField, "--rules-field")
        try RenamedFlag.check(model, "--model", modelField, "--model-field")
        try RenamedFlag.check(oldOutput, "--output", output.outputField, "--output-field")
        try FieldPathCheck.check(("--rules-field", rulesField ?? rules), ("--model-field", modelField ?? model), ("--output-field", oldOutput))
        guard (0...1).contains(modelConfidence) else { throw ValidationError("--model-confidence must be in [0, 1]") }
        do { _ = try plan() } catch let e as PolicyError { throw ValidationError("--policy: \(e.description)") }
    }

    func plan() throws -> PolicyPlan {
        try PolicyPlan.parse(policy, defaults: GuardThresholds(modelConfidence: modelConfidence, ruleReward: ruleReward))
    }

    func run() throws {
        let stage = MergeStage(plan: try plan(), reader: VerdictReader(rulesPath: rulesPath, modelPath: modelPath),
                               taskPath: task.path, outputPath: outputPath, goldPath: label.path)
        if choose { return try stage.choose(input.stream) }
        try stage.merge(input.stream)
    }
}

/// What kdsl-merge writes into each record: the merged prediction, at `prediction` unless
/// --output-field moves it.
enum MergedPrediction: OutputKey {
    static let key = PredictionValue.key
    static let written = "the merged prediction"
}
