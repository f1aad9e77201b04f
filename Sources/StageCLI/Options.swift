import ArgumentParser
import JSONLines
import RecordKeys
import TextViews

// Every flag more than one stage offers is declared here, once, with one naming scheme: a field
// path is `--<what>-field`, inputs are the positional files, `--strict`, `--jobs`, `--quiet`,
// `--seed` and `--out` mean the same everywhere. A stage takes the groups it reads
// (`@OptionGroup`) and hands its logic plain values (`StreamOptions`, `RecordFields`,
// `FieldPath`), never ArgumentParser types.

/// The input files and `--strict`: every stage that reads records.
public struct InputOptions: ParsableArguments {
    @Argument(help: "Input JSON Lines files; none or - for stdin.")
    public var files: [String] = []

    @Flag(help: "Stop at the first bad record (exit 1).")
    public var strict = false

    public init() {}

    public var stream: StreamOptions { StreamOptions(strict: strict, inputs: files) }
}

/// `--jobs N`: worker threads. Every stage writes the same bytes for any N.
public struct JobsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Worker threads (each stage's default is in its description). The output is the same for any number; 1 answers each record as it arrives, more hand out batches.", valueName: "N"))
    public var jobs: Int?

    public init() {}

    public func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
    }

    /// The number of workers: `--jobs`, else the stage's default.
    public func count(default fallback: Int) -> Int { jobs ?? fallback }
}

/// `--quiet`: no progress and no notes on stderr (errors and warnings still appear).
public struct QuietOption: ParsableArguments {
    @Flag(help: "No progress or notes on stderr (errors and warnings still appear).")
    public var quiet = false

    public init() {}

    /// Parsing the flag sets `Diagnostics.quiet`, which every note and `Progress` obeys, so a
    /// stage takes `--quiet` by declaring this group and passes nothing down.
    public func validate() throws { Diagnostics.shared.quiet = quiet }
}

/// `--seed N`: the seed of every random choice (folds, shuffles, the search, initial weights).
/// kdsl-rules mine and kdsl-model train and cv take it; both default to 1, as their settings do
/// (`MineOptions.seed`, `TrainSettings.seed`), so a run without the flag is the same run.
/// Parsed unconditionally, as the stages' other number flags are: `--seed -1` is refused as a bad
/// value rather than read as a flag.
public struct SeedOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seed of every random choice; the same input and seed give the same bytes.")
    public var seed: UInt64 = 1

    public init() {}
}

/// What a stage writes, as the help of `--out` names it ("the rules", "the model"): the stages
/// differ in it, so a stage declares one type per kind of output and gives it to `OutOption` or
/// `RequiredOutOption`.
public protocol OutputFile {
    static var written: String { get }
}

/// `--out FILE`, for a stage that writes to stdout without it (kdsl-rules mine and validate).
/// The file is written atomically (`AtomicFile`): a reader never sees half of it.
public struct OutOption<File: OutputFile>: ParsableArguments {
    @Option(help: "Write \(File.written) to this file atomically instead of stdout.")
    public var out: String?

    public init() {}
}

/// `--out FILE`, for a stage whose output is a file and nothing else (kdsl-model train): the flag
/// is required. Written atomically, as `OutOption`.
public struct RequiredOutOption<File: OutputFile>: ParsableArguments {
    @Option(help: "Write \(File.written) to this file (atomically).")
    public var out: String

    public init() {}
}

/// The key a stage adds to each record, for `--output-field`: its default field (the key's own
/// name, e.g. `RulesValue.key`) and what it holds, as the help names it ("the verdict").
public protocol OutputKey {
    static var key: String { get }
    static var written: String { get }
}

/// `--output-field`: where a stage writes its key (kdsl-rules apply, kdsl-merge). The stages
/// differ in the default and in what the help names, so each gives its own `OutputKey`. A stage
/// keeps its own old name of the flag (`RenamedFlag`) beside this group; the path is checked when
/// the group is parsed, as every field-path group's is, before the stage's own checks.
public struct OutputFieldOption<Key: OutputKey>: ParsableArguments {
    @Option(help: ArgumentHelp("Field to write \(Key.written) to (default: \(Key.key)).", valueName: "path"))
    public var outputField: String?

    public init() {}

    public func validate() throws { try FieldPathCheck.check(("--output-field", outputField)) }
    /// The field: `--output-field`, else the key's default.
    public var path: FieldPath { FieldPath(outputField ?? Key.key) }
}

/// `--text-field`, `--dialogue-field`, `--ocr-field`: where the text views come from.
public struct TextFieldOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Field holding the plain text (the user's).", valueName: "path"))
    public var textField = "text"
    @Option(help: ArgumentHelp("Field holding the dialogue (tagged text or {role,text} turns).", valueName: "path"))
    public var dialogueField = "dialogue"
    @Option(help: ArgumentHelp("Field holding the OCR text (kdsl-ocr writes ocr.text).", valueName: "path"))
    public var ocrField = OCRValue.textPath.description

    public init() {}

    public func validate() throws {
        try FieldPathCheck.check(("--text-field", textField), ("--dialogue-field", dialogueField), ("--ocr-field", ocrField))
    }

}

extension RecordFields {
    /// The record fields a stage's flags name; a group the stage does not offer keeps its default.
    public init(text: TextFieldOptions, task: TaskFieldOption, label: LabelFieldOption? = nil, images: ImagesFieldOption? = nil) {
        self.init()
        self.text = FieldPath(text.textField); dialogue = FieldPath(text.dialogueField); ocr = FieldPath(text.ocrField)
        self.task = task.path
        if let label { self.label = label.path }
        self.images = images?.path
    }
}

/// `--task-field`: the record's task (one head, rule group or policy per task).
public struct TaskFieldOption: ParsableArguments {
    @Option(help: ArgumentHelp("Field holding the task.", valueName: "path"))
    public var taskField = "task"

    public init() {}

    public func validate() throws { try FieldPathCheck.check(("--task-field", taskField)) }
    public var path: FieldPath { FieldPath(taskField) }
}

/// `--label-field`: the gold label.
public struct LabelFieldOption: ParsableArguments {
    @Option(help: ArgumentHelp("Field holding the gold label (default: label).", valueName: "path"))
    public var labelField: String?

    public init() {}

    public func validate() throws { try FieldPathCheck.check(("--label-field", labelField)) }
    public var path: FieldPath { FieldPath(labelField ?? "label") }
}

/// `--images-field`: the image path or paths of a record.
public struct ImagesFieldOption: ParsableArguments {
    @Option(help: ArgumentHelp("Field holding the image path(s) (default: images, else image).", valueName: "path"))
    public var imagesField: String?

    public init() {}

    public func validate() throws { try FieldPathCheck.check(("--images-field", imagesField)) }
    /// The field, or nil for the default (`images`, else `image`: `ImagePaths`), as
    /// `RecordFields.images` holds it.
    public var path: FieldPath? { imagesField.map { FieldPath($0) } }
}

/// Checks that field paths are keys joined by dots, none empty.
public enum FieldPathCheck {
    public static func check(_ flags: (String, String?)...) throws {
        for (name, path) in flags {
            if let path, path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                throw ValidationError("\(name) \"\(path)\": a field path is keys joined by dots, none empty")
            }
        }
    }
}

/// Renamed flags: the old name keeps working for a while, with a warning naming the new one.
public enum RenamedFlag {
    /// Warns when `old` was given; a usage error when both were.
    public static func check<T>(_ old: T?, _ oldName: String, _ new: T?, _ newName: String) throws {
        guard old != nil else { return }
        if new != nil { throw ValidationError("\(oldName) is the old name of \(newName): give only \(newName)") }
        Diagnostics.shared.warning("\(oldName) is deprecated; use \(newName)")
    }
}
