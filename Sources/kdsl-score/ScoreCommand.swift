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

        Fields read: the gold label at --gold (default `label`), the prediction at --pred \
        (default `prediction.label`), the group at --by (e.g. `task`), and `error`. \
        Writes no record fields.

        A record without a prediction (missing, null, not a string, or carrying an `error`) \
        counts as wrong: a false negative of its gold class, not a class of its own. A record \
        without a string gold label is reported on stderr with its line and left out. The label \
        set is the union of gold and predicted labels (as scikit-learn's); a division by zero gives 0.

        --emit-counts writes mergeable counts instead of a report; --merge-counts reads such \
        counts (of several shards) and reports exactly as the unsharded run would.

        Exit status: 0 scored; 1 a line was not a JSON object or a record had no gold label \
        (reported; the report is still written; --strict stops at the first); 2 usage or setup error.

        Examples:
          kdsl-model predict --model m.bin < test.jsonl | kdsl-score --by task
          kdsl-score --format json --by task scored.jsonl | jq .overall.weighted_f1
          kdsl-score --emit-counts --by task shard-1.jsonl > shard-1.counts
          cat shard-*.counts | kdsl-score --merge-counts --confusion
        """
    )

    @Argument(help: "Input files of records (or counts with --merge-counts); none or `-` reads stdin.")
    var files: [String] = []

    @Option(help: ArgumentHelp("Dotted path of the gold label (default: label).", valueName: "path"))
    var gold: String?

    @Option(help: ArgumentHelp("Dotted path of the predicted label (default: prediction.label).", valueName: "path"))
    var pred: String?

    @Option(help: ArgumentHelp("Dotted path of a field to group by (e.g. task): a report per value as well.", valueName: "path"))
    var by: String?

    @Option(help: "Output format: table or json.")
    var format: ScoreOptions.Format?

    @Flag(help: "Add the confusion matrix (rows gold, columns predicted) to the report.")
    var confusion = false

    @Flag(help: "Write mergeable per-cell counts (JSON Lines) instead of a report.")
    var emitCounts = false

    @Flag(help: "Read counts written by --emit-counts and report on their sum.")
    var mergeCounts = false

    @Flag(help: "Stop at the first bad line or record without a gold label (exit 1).")
    var strict = false

    func validate() throws {
        if mergeCounts && (gold != nil || pred != nil || by != nil) {
            throw ValidationError("--gold, --pred and --by apply when scoring records; with --merge-counts they come from the counts")
        }
        if emitCounts && (format != nil || confusion) {
            throw ValidationError("--format and --confusion shape a report; --emit-counts writes counts")
        }
        for (name, path) in [("--gold", gold), ("--pred", pred), ("--by", by)] {
            if let path, path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                throw ValidationError("\(name) \"\(path)\": a field path is keys joined by dots, none empty")
            }
        }
    }

    /// The options for `Scorer`.
    var options: ScoreOptions {
        var o = ScoreOptions()
        o.stream = StreamOptions(strict: strict, inputs: files)
        o.fields = ScoreFields(gold: FieldPath(gold ?? "label"), pred: FieldPath(pred ?? "prediction.label"), by: by.map { FieldPath($0) })
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
