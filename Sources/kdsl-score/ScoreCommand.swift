import ArgumentParser
import JSONLines
import StageCLI

#if canImport(Glibc)
import Glibc
#endif

extension ScoreOptions.Format: ExpressibleByArgument {}

/// `kdsl-score`: flags only; the work is in `Scorer` (reading), `ScoreCounts`, `F1Report`, `TableFormat`.
@main
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-score",
        abstract: "Score predictions against gold labels: per-class precision/recall/F1, weighted, macro and micro F1, as scikit-learn computes them.",
        discussion: """
        Reads JSON Lines records (FILE arguments, or stdin when none or `-`) and writes one report: \
        a table for people, or one line of JSON (`--format json`) for tools.

        Fields read: the gold label at --label-field (default `label`), the prediction at \
        --pred-field (default `prediction.label`, what kdsl-merge writes), the group at \
        --group-field (e.g. `task`), and `error`. Writes no record fields. (--gold, --pred and \
        --by are the old names of the three; they still work, with a warning.)

        A record without a prediction (missing, null, not a string, or carrying an `error`) \
        counts as wrong: a false negative of its gold class, not a class of its own. A record \
        without a string gold label is reported on stderr with its line and left out. The label \
        set is the union of gold and predicted labels (as scikit-learn's); a division by zero gives 0.

        --emit-counts writes mergeable counts instead of a report; --merge-counts reads such \
        counts (of several shards) and reports exactly as the unsharded run would.

        Exit status: 0 scored; 1 a line was not a JSON object or a record had no gold label \
        (reported; the report is still written; --strict stops at the first); 2 usage or setup error, \
        or no record had a prediction at --pred-field (after the report: name the right field).

        Examples:
          kdsl-model predict --model m.model < test.jsonl \\
            | kdsl-score --pred-field model.label --group-field task
          kdsl-score --format json scored.jsonl | jq .overall.weighted_f1
          kdsl-score --emit-counts --group-field task shard-1.jsonl > shard-1.counts
          cat shard-*.counts | kdsl-score --merge-counts --confusion
        """,
        version: ProductVersion.line("kdsl-score")
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var quiet: QuietOption
    @OptionGroup var label: LabelFieldOption

    @Option(help: ArgumentHelp("Field holding the predicted label (default: prediction.label).", valueName: "path"))
    var predField: String?

    @Option(help: ArgumentHelp("Field to group by (e.g. task): a report per value as well.", valueName: "path"))
    var groupField: String?

    @Option(help: ArgumentHelp("Old name of --label-field.", visibility: .hidden)) var gold: String?
    @Option(help: ArgumentHelp("Old name of --pred-field.", visibility: .hidden)) var pred: String?
    @Option(help: ArgumentHelp("Old name of --group-field.", visibility: .hidden)) var by: String?

    @Option(help: "Output format: table or json.")
    var format: ScoreOptions.Format?

    @Flag(help: "Add the confusion matrix (rows gold, columns predicted) to the report.")
    var confusion = false

    @Flag(help: "Write mergeable per-cell counts (JSON Lines) instead of a report.")
    var emitCounts = false

    @Flag(help: "Read counts written by --emit-counts and report on their sum.")
    var mergeCounts = false

    private var goldPath: String? { gold ?? label.labelField }
    private var predPath: String? { pred ?? predField }
    private var groupPath: String? { by ?? groupField }

    func validate() throws {
        try RenamedFlag.check(gold, "--gold", label.labelField, "--label-field")
        try RenamedFlag.check(pred, "--pred", predField, "--pred-field")
        try RenamedFlag.check(by, "--by", groupField, "--group-field")
        if mergeCounts && (goldPath != nil || predPath != nil || groupPath != nil) {
            throw ValidationError("--label-field, --pred-field and --group-field apply when scoring records; with --merge-counts they come from the counts")
        }
        if emitCounts && (format != nil || confusion) {
            throw ValidationError("--format and --confusion shape a report; --emit-counts writes counts")
        }
        try FieldPathCheck.check(("--gold", gold), ("--pred-field", predField), ("--pred", pred), ("--group-field", groupField), ("--by", by))
    }

    /// The options for `Scorer`.
    var options: ScoreOptions {
        var o = ScoreOptions()
        o.stream = input.stream
        o.fields = ScoreFields(gold: FieldPath(goldPath ?? "label"), pred: FieldPath(predPath ?? "prediction.label"), by: groupPath.map { FieldPath($0) })
        o.format = format ?? .table
        o.confusion = confusion
        o.emitCounts = emitCounts
        o.mergeCounts = mergeCounts
        return o
    }

    func run() throws { try Scorer.run(options) }

    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    static func main() { stageMain() }
}
