import ArgumentParser
import JSONLines

extension ModelCommand {
    /// `kdsl-model cv`: out-of-fold predictions (`CrossValidation`).
    struct CV: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cv",
            abstract: "Cross-validate: add out-of-fold predictions as `model` (folds from --fold-field, or --folds K dealt here).",
            discussion: """
            For each fold value, trains on the labelled records of the other folds (same flags as train) and predicts that fold. Records without folds: --folds K deals K folds stratified by task and label (seeded by --seed, so the same records and seed give the same folds) and writes each record's fold at --fold-field. Writes every record with its out-of-fold `model`. Progress on stderr: a line per fold with the time left, and each fold's heads as train shows them (--quiet: none).

            Exit status: 0 ok; 1 bad records (reported and forwarded with `error`: a line that is not a record, a field of the wrong type, a record without a fold); 2 usage/setup error.

            Example:
              kdsl-model cv train.ocr.jsonl --image-root data/ \\
                | jq -c '[.fold, .label, .model.label]'
              kdsl-model cv --folds 5 test.jsonl --image-root data/ \\
                | kdsl-merge | kdsl-score
            """)
        @OptionGroup var common: CommonOptions
        @OptionGroup var learning: LearningOptions
        @Option(help: "Field holding each record's fold.")
        var foldField: String = "fold"
        @Option(parsing: .unconditional, help: "Deal K stratified folds (by task and label, from --seed) instead of reading the records' own, and write each record's fold at --fold-field; 0: read the records' folds.")
        var folds: Int = 0
        @Option(parsing: .unconditional, help: "Number of labels in `top`.")
        var top: Int = 3

        func validate() throws {
            guard folds == 0 || folds >= 2 else { throw ValidationError("--folds must be 0 (the records' own folds) or at least 2, got \(folds)") }
        }

        func run() throws {
            var builder = try learning.builder()
            builder.verbose = false
            let reader = common.reader(builder.features, vectors: builder.embedding != .off)
            try CrossValidation(builder: builder, foldField: FieldPath(foldField), top: top, assign: folds).run(common.stream, reader: reader)
            try reportImages(reader)
        }
    }
}
