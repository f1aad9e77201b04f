import ArgumentParser
import JSONLines
import StageCLI

/// How the self-test moves records.
enum BenchMode: String, ExpressibleByArgument, CaseIterable {
    /// JSONLines' record stream: validate, decode only what is read, splice the new key in.
    case splice
    /// The naive baseline: a full jansson parse and `json_dumps` of every record.
    case jansson
}

/// What value the added key gets.
enum BenchValue: String, ExpressibleByArgument, CaseIterable {
    case `true`, line
}

@main
struct StreamBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-stream-bench",
        abstract: "Self-test and benchmark of the kdsl record stream: adds one key to every record.",
        discussion: """
        Reads JSON Lines records (FILE arguments, or stdin when none or `-`),
        optionally reads one field of each (--read), adds one key (--key,
        default "seen") and writes every record to stdout in input order. It is
        the smallest possible kdsl stage, used to measure and test the stream
        core every stage shares (docs/records.md, "The stream").

        Modes:
          splice   (default) JSONLines' stream: each line is validated, only the
                   --read field is decoded, and the new key is spliced into
                   the original bytes; every other field passes byte for byte.
          jansson  the baseline of a naive design: a full jansson parse
                   (json_loadb) of every record, json_object_set, and
                   json_dumps of the whole record (compact).

        Fields read:    --read PATH, if given (dotted path, e.g. ocr.text).
        Fields written: --key (default `seen`): `true`, or the line number
                        with --value line. A bad line is forwarded as
                        {"error": {"stage", "file", "line", "message", "raw"}}
                        ("file" only for file inputs).

        Exit status:
          0  all records processed (also when a downstream pipe closes)
          1  one or more bad records, reported as
             `kdsl-stream-bench: line N: ...` (--strict: stop at the first)
          2  usage or setup error (bad flag, unreadable file, failed write)

        Example:
          kdsl-stream-bench train.jsonl --read label --key checked | head -3
        """
    )

    @Argument(help: "Input files (JSON Lines); none or `-` reads stdin.")
    var files: [String] = []

    @Option(help: "splice (JSONLines' record stream) or jansson (full parse + dump baseline).")
    var mode: BenchMode = .splice

    @Option(help: "The key to add to every record.")
    var key: String = "seen"

    @Option(help: "The added key's value: `true` or `line` (the record's line number).")
    var value: BenchValue = .true

    @Option(help: "A field to read (decode) from every record, e.g. `label` or `ocr.text`.")
    var read: String?

    @Flag(help: "Stop at the first bad record (exit 1) instead of reporting it and carrying on.")
    var strict = false

    /// Parses the command line with kdsl's exit statuses: ArgumentParser's usage errors exit 64,
    /// kdsl's contract says 2; `--help` prints to stdout and exits 0.
    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    static func main() { stageMain() }

    mutating func run() throws {
        let options = StreamOptions(strict: strict, inputs: files)
        let added = AddedKey(key: key, lineNumber: value == .line)
        switch mode {
        case .splice:
            try SplicePassthrough.run(options, added: added, read: read.map { FieldPath($0) })
        case .jansson:
            try JanssonPassthrough.run(options, added: added, read: read.map { FieldPath($0) })
        }
    }
}

/// The key the bench adds and how its value is chosen.
struct AddedKey {
    var key: String
    /// Use the record's line number instead of `true`.
    var lineNumber: Bool
}
