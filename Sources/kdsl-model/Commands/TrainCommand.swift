import ArgumentParser
import JSONLines
import StageCLI

/// What train writes to --out: the model file (ModelFile).
enum ModelOutput: OutputFile {
    static let written = "the model"
}

extension ModelCommand {
    /// `kdsl-model train`: reads the labelled records (`SampleReader`), builds the model
    /// (`ModelBuilder`) and writes the model file (`ModelFile`).
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model on labelled records and write it to --out.",
            discussion: """
            Reads: label (gold; unlabelled records are reported and left out), task (one head per task), text, dialogue, ocr.text, images, embedding (sentence vectors from kdsl-embed: an embedding head per task, mixed with the n-gram head, which may also learn from the labels' names, embedded here by the same encoder: --label-names; --embedding off leaves them out). Writes only the model file (atomically).

            Progress on stderr, per head: the inner trainings of each choice, then the epochs with the training loss and the time left (--quiet: none, and no notes). A view of --views that no record has text in stops the run (the ocr view without ocr.text: run kdsl-ocr first); under --views auto, records with images but no OCR text get a warning.

            Exit status: 0 ok; 1 bad records (left out, model still written); 2 usage error, no labelled records, a head with one class, a --views view no record has text in, --embedding on and no record with vectors (run kdsl-embed first), not one image readable (no model written: is --image-root right?), or a failed write.

            Example:
              kdsl-model train train.ocr.jsonl --image-root data/ --out model.kdsl
            """)
        @OptionGroup var common: CommonOptions
        @OptionGroup var learning: LearningOptions
        @OptionGroup var output: RequiredOutOption<ModelOutput>
        var out: String { output.out }

        func run() throws {
            var builder = try learning.builder()
            let reader = common.reader(builder.features, vectors: builder.embedding != .off)
            let samples = try readSamples(common.stream, reader: reader)
            try reportImages(reader)
            try builder.checkViews(samples, fields: common.fields)
            try builder.checkEmbeddings(samples)
            try builder.embedLabelNames(samples)
            let model = try builder.build(samples)
            try ModelFile.write(model, to: out)
            Diagnostics.shared.note("wrote \(out): \(model.info)")
            builder.noteWithoutVectors(samples)
        }
    }
}
