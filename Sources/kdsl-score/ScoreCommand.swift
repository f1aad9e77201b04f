import ArgumentParser
import JSONLines
import RecordKeys
import StageCLI

#if canImport(Glibc)
import Glibc
#endif

extension ScoreOptions.Format: ExpressibleByArgument {}

/// `kdsl-score`: flags only; the work is in `Scorer` (reading), `ScoreCounts`, `F1Report`, and one
/// writer per format (`TableFormat`, `MarkdownFormat`, `CSVFormat`, `HTMLFormat`).
@main
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-score",
        abstract: "Score predictions against gold labels: per-class precision/recall/F1, weighted, macro and micro F1, as scikit-learn computes them.",
        discussion: """
        Reads JSON Lines records (FILE arguments, or stdin when none or `-`) and writes one report: \
        a table for people, or one line of JSON (`--format json`) for tools.

        Formats (--format): `table` (the default); `json`, one line; `markdown`, GitHub tables \
        for a pull request or a CI summary; `csv`, one RFC 4180 table whose scope, group and \
        row columns say where each line belongs (the columns are in docs/records.md); `html`, \
        one self-contained page (inline CSS and SVG, no script, nothing fetched) with each \
        scope's table and its confusion matrix as a heatmap. The figures are the table's, to \
        four decimals (json: in full). --confusion adds the matrices to the other formats; html \
        always draws them.

        --compare scores each FILE on its own instead of as one stream, and writes a page for \
        people (so it needs --format html or markdown): an ablation table with one row per file \
        (weighted F1 per group, their mean, all records, accuracy; the best of each column in \
        bold), then each file's report. With --merge-counts \
        each FILE holds the counts of one run, and runs may name other fields: count the same \
        records with --pred-field model.label and with the default to compare the model with \
        the merge.

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
        or no record had a prediction at --pred-field (after the report: name the right field), \
        or there was no record to score (empty input: no report of zeros; --emit-counts still \
        writes an empty shard's counts).

        Examples:
          kdsl-score --group-field task predictions.jsonl
          kdsl-model predict --model model.kdsl --image-root data/ test.ocr.jsonl \\
            | kdsl-score --pred-field model.label --group-field task
          kdsl-score --format json predictions.jsonl | jq .overall.weighted_f1
          kdsl-score --emit-counts --group-field task shard-1.jsonl > shard-1.counts
          kdsl-score --emit-counts --group-field task shard-2.jsonl > shard-2.counts
          cat shard-*.counts | kdsl-score --merge-counts --confusion
          kdsl-score --format markdown --group-field task predictions.jsonl > report.md
          kdsl-merge --policy model predictions.jsonl > model-only.jsonl
          kdsl-score --format html --compare model-only.jsonl predictions.jsonl \\
            > report.html
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

    @Option(help: "Output format: table, json, markdown, csv or html.")
    var format: ScoreOptions.Format?

    @Flag(help: "Score each input file on its own, side by side (with --format html or markdown).")
    var compare = false

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
        if compare && format != .html && format != .markdown {
            throw ValidationError("--compare writes a page for people: give --format html or --format markdown as well")
        }
        try FieldPathCheck.check(("--gold", gold), ("--pred-field", predField), ("--pred", pred), ("--group-field", groupField), ("--by", by))
    }

    /// The options for `Scorer`.
    var options: ScoreOptions {
        var o = ScoreOptions()
        o.stream = input.stream
        o.fields = ScoreFields(gold: FieldPath(goldPath ?? "label"), pred: predPath.map { FieldPath($0) } ?? PredictionValue.labelPath, by: groupPath.map { FieldPath($0) })
        o.format = format ?? .table
        o.confusion = confusion
        o.compare = compare
        o.emitCounts = emitCounts
        o.mergeCounts = mergeCounts
        return o
    }

    func run() throws { try Scorer.run(options) }

    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    static func main() { stageMain() }
}
