import ArgumentParser
import JSONLines
import StageCLI

extension ModelCommand {
    /// `kdsl-model predict`: reads the model file and streams the records through a
    /// `Predictor` per job (`PredictionStream`).
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the model's prediction to each record as `model`.",
            discussion: """
            Reads: task, text, dialogue, ocr.text, images, embedding. Writes: model = {"label", "p", "top": [[label, p], ...]}; a record whose task the model does not know gets label null and a "reason". Records stream out in input order, the same bytes for any --jobs (default: the number of online cores).

            A head that finds no text in any view it reads in all of at least 5 records it predicted (screenshots never OCRed) says so on stderr after the records; they are still written and the run exits 0. A head with an embedding head reads the sentence vectors (embedding, from kdsl-embed); it predicts a record without them by its n-gram head alone and says how many after the records (exit 0).

            --explain adds model.explain: the features the label rests on, as [{"view", "kind", "text", "effect"}], largest effect first, where effect is how far the label's probability (the n-gram head's, before any mix with the embedding head) falls when that feature alone is left out (kind: word, ngram, chars, task, or dense for the image block as one). Slower: one forward pass per feature of the record.

            Exit status: 0 ok; 1 bad records (forwarded with `error`); 2 usage error, an unreadable, corrupt, truncated or foreign model file, or not one image readable (after the records: is --image-root right?).

            Example:
              kdsl-model predict --model model.kdsl --image-root data/ --top 2 \\
                < test.ocr.jsonl | jq -c .model
            """)
        @OptionGroup var common: CommonOptions
        @Option(help: "Model file written by `kdsl-model train`.")
        var model: String
        @Option(parsing: .unconditional, help: "Number of labels in `top`.")
        var top: Int = 3
        @Flag(help: "Add model.explain: the features the label rests on (see above).")
        var explain = false
        @Option(parsing: .unconditional, help: "With --explain: how many features to list.")
        var explainTop: Int = 5
        @OptionGroup var jobs: JobsOption

        func validate() throws {
            guard explainTop >= 1 else { throw ValidationError("--explain-top must be at least 1") }
        }

        func run() throws {
            let loaded = try ModelFile.read(model)  // a bad file is a SetupError: exit 2 (StageCLI)
            let (common, top, explainTop) = (common, top, explain ? explainTop : 0)
            try PredictionStream(options: common.stream, jobs: jobs.count(default: ParallelFilter.onlineCores)) {
                let predictor = Predictor(model: loaded, reader: common.reader(loaded.features), top: top)
                predictor.explainTop = explainTop
                return predictor
            }.run()
        }
    }
}
