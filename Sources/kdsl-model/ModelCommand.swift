import ArgumentParser
import EncoderCLI
import ImageCLI
import JSONLines
import TextViews
import StageCLI

/// `kdsl-model`: train a fast multimodal classifier and predict with it (§2.2 of the paper, on a CPU).
/// The top command and the option groups its subcommands share; each subcommand, its own flags
/// and the code it runs are in Commands/ (`TrainCommand.swift`, `PredictCommand.swift`, `CVCommand.swift`).
@main
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-model",
        abstract: "Train a text+image classifier on labelled records, and add its prediction to records.",
        discussion: """
        The model learns the implicit patterns rules cannot express (KDSL §2.2): hashed word and character n-grams of the user turns, agent turns and OCR text (each its own namespace, tf-idf weighted; by default each head picks its views and word n-gram order by inner cross-validation), plus standardised image features from the pixels; softmax regression by default (or one hidden layer), one head per task unless --joint. When the training records carry sentence vectors (kdsl-embed's `embedding`), each task also gets an embedding head over them, and the two heads' probabilities are mixed, W·p_ngram + (1−W)·p_embedding, with the views and W chosen per task by inner cross-validation (late fusion; --embedding, --mix).

        Exit status: 0 ok; 1 bad records (reported, forwarded or left out); 2 usage or setup error (bad flag, no records, one class only, unreadable/corrupt/foreign model file, failed write).

        Example:
          kdsl-model train train.ocr.jsonl --image-root data/ --out model.kdsl
          kdsl-ocr --image-root data/ < test.jsonl \\
            | kdsl-model predict --model model.kdsl --image-root data/ | kdsl-merge
        """,
        version: ProductVersion.line("kdsl-model"),
        subcommands: [Train.self, Predict.self, CV.self])

    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    static func main() { stageMain(versionDetails: { ["model file format \(ModelFile.version) (\(ModelFile.versionWithoutEmbeddings) when no head has an embedding head)"] }) }
}

/// Flags shared by every subcommand.
struct CommonOptions: ParsableArguments {
    @OptionGroup var input: InputOptions
    @OptionGroup var quiet: QuietOption

    @OptionGroup var image: ImageOptions

    @OptionGroup var task: TaskFieldOption
    @OptionGroup var label: LabelFieldOption
    @OptionGroup var images: ImagesFieldOption
    @OptionGroup var text: TextFieldOptions

    @Option(help: "Field holding the records' sentence vectors (kdsl-embed's `embedding`: {\"encoder\", VIEW: [numbers] or null}).")
    var embeddingField: String = EmbeddingHead.defaultField

    @Option(parsing: .unconditional, help: ArgumentHelp("JPEGs are decoded at 1/2, 1/4 or 1/8 scale while the short side stays ≥ this (benchmarks).", visibility: .hidden))
    var decodeShortSide: Int = ImageFeatures.defaultShortSide

    var fields: RecordFields { RecordFields(text: text, task: task, label: label, images: images) }
    var stream: StreamOptions { input.stream }

    /// The reader of features, labels and tasks these options describe.
    /// `vectors`: whether it reads the sentence vectors (`--embedding-field`).
    func reader(_ features: FeatureConfig, vectors: Bool = true) -> SampleReader {
        let r = SampleReader(features: features, fields: fields, imageRoot: image.imageRoot, decodeShortSide: decodeShortSide, maxPixels: image.maxPixels)
        if vectors { r.embeddingField = FieldPath(embeddingField) }
        return r
    }
}

/// Flags that shape the features and the training (train and cv).
struct LearningOptions: ParsableArguments {
    @Option(help: "Text views used as features, comma-separated (\(TextView.names)), or auto (per head, by inner 3-fold CV among user,agent,ocr,lines / user,agent / user,ocr,lines / user,agent,ocr), or auto:LIST (the same choice over LIST). A listed view no training record has text in is an error.")
    var views: String = "auto"
    @Option(help: "Word n-grams 1...N (CJK characters are tokens, so character n-grams there), or auto (1 or 2, per head by inner 3-fold CV).")
    var wordNgrams: String = "auto"
    @Option(help: "Character n-grams of non-CJK words, MIN-MAX, or 0 for none, or auto (3-5 or none, per head by inner 3-fold CV: they help English words and hurt noisy OCR text).")
    var charNgrams: String = "auto"
    @Option(parsing: .unconditional, help: "Bits of the feature hash (≤ 31).")
    var bits: Int = 24
    @Flag(inversion: .prefixedNo, help: "Use image features (decoded from the pixels with Leptonica).")
    var images = true
    @Flag(inversion: .prefixedNo, help: "Add the layout summary of the OCR lines (ocr.images[i].lines: line count, where the text sits, docs/records.md) to the image block.")
    var layout = false
    @Option(help: "Norm of the standardised image block next to the unit-length text namespaces, or auto (chosen per head by inner 3-fold CV among 0, 0.25, 0.5, 1).")
    var imageWeight: String = "auto"
    @Flag(inversion: .prefixedNo, help: "Weight term frequency by inverse document frequency.")
    var idf = true
    // The training flags: their defaults are `TrainSettings`'.
    @Option(parsing: .unconditional, help: "Epochs (the maximum when --validation is set).")
    var epochs: Int = Self.defaults.epochs
    @Option(parsing: .unconditional, help: "Initial learning rate, decaying linearly to 0 (default \(Self.number(TrainSettings.defaultLearningRate.softmax)) for softmax regression, \(Self.number(TrainSettings.defaultLearningRate.hidden)) with --hidden).")
    var lr: Float?
    @Option(parsing: .unconditional, help: "Mini-batch size.")
    var batch: Int = Self.defaults.batch
    @Option(parsing: .unconditional, help: "L2 penalty.")
    var l2: Float = Self.defaults.l2
    @Option(parsing: .unconditional, help: "Hidden units: 0 for softmax regression, N > 0 for one hidden ReLU layer.")
    var hidden: Int = Self.defaults.hidden
    @Option(parsing: .unconditional, help: "Fraction of records held out for early stopping (0: off); then refit on all.")
    var validation: Float = Self.defaults.validation
    @Option(parsing: .unconditional, help: "Epochs without improvement on the holdout before stopping.")
    var patience: Int = Self.defaults.patience
    @Flag(help: "One head over all tasks' labels (the paper's joint model) instead of one per task.")
    var joint = false
    @Option(help: "Augmentation: flip (add horizontally flipped copies of the image features).")
    var augment: [String] = []
    @OptionGroup var random: SeedOption
    var seed: UInt64 { random.seed }
    @Option(help: "Embedding head beside each n-gram head, over the records' sentence vectors (kdsl-embed): auto (when the head's training records carry them; train notes when none does), on (training records without any are an error), off (n-gram head only; the vectors are not read).")
    var embedding: String = "auto"
    @Option(help: "The n-gram head's weight W in the mix W·p_ngram + (1−W)·p_embedding, 0...1, or auto (per head by inner 3-fold CV among 0, 0.1, ..., 1).")
    var mix: String = "auto"
    @Option(help: "Each embedding head also learns from its labels' names (`card_arrival` read as \"card arrival\"), embedded by multilingual-e5-small: auto (when the records' vectors are that encoder's and its weights load; with --mix auto, kept only when the inner folds score better with them), on (always; an error when they cannot be embedded), off (never).")
    var labelNames: String = LabelNameMode.auto.rawValue
    @OptionGroup var encoder: EncoderModelOption
    @Option(help: ArgumentHelp("What --mix auto judges on the inner folds: loss (mean log-loss) or f1 (weighted F1).", visibility: .hidden))
    var mixCriterion: String = MixCriterion.f1.rawValue
    @Option(parsing: .unconditional, help: ArgumentHelp("The embedding head's L2 penalty.", visibility: .hidden))
    var embeddingL2: Float = ModelBuilder.defaultEmbeddingSettings.l2
    @Option(parsing: .unconditional, help: ArgumentHelp("The embedding head's initial learning rate.", visibility: .hidden))
    var embeddingLr: Float = ModelBuilder.defaultEmbeddingSettings.rate
    @Option(parsing: .unconditional, help: ArgumentHelp("The embedding head's epochs.", visibility: .hidden))
    var embeddingEpochs: Int = ModelBuilder.defaultEmbeddingSettings.epochs

    private static let defaults = TrainSettings()
    /// A default as the help writes it: 8, not 8.0.
    private static func number(_ x: Float) -> String { x == x.rounded() ? String(Int(x)) : "\(x)" }

    /// The training flags.
    var settings: TrainSettings {
        var s = TrainSettings()
        s.epochs = epochs; s.learningRate = lr; s.batch = batch; s.l2 = l2; s.hidden = hidden
        s.validation = validation; s.patience = patience; s.seed = seed
        return s
    }

    func validate() throws {
        for a in augment where a != "flip" { throw ValidationError("unknown --augment \(a) (known: flip)") }
        guard (1...31).contains(bits) else { throw ValidationError("--bits must be in 1...31") }
        guard wordNgrams == "auto" || (1...ModelFile.maxWordNgrams).contains(Int(wordNgrams) ?? 0) else {
            throw ValidationError("--word-ngrams takes a number in 1...\(ModelFile.maxWordNgrams) or auto")
        }
        guard epochs >= 1, batch >= 1, hidden >= 0 else { throw ValidationError("--epochs, --batch must be ≥ 1, --hidden ≥ 0") }
        // NaN fails every comparison, so `!(x > 0)` also refuses `--lr nan`.
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a finite number > 0 (got \(lr))") }
        guard l2 >= 0 && l2.isFinite else { throw ValidationError("--l2 must be a finite number ≥ 0 (got \(l2))") }
        // Each step multiplies the weights by 1 − lr·l2 (weight decay); at or below 0 they flip
        // sign and blow up instead of shrinking.
        let rate = settings.rate
        guard rate * l2 < 1 else { throw ValidationError("--lr \(rate) with --l2 \(l2): lr·l2 = \(rate * l2) must be < 1 (the weight decay factor 1 − lr·l2 would be ≤ 0); use a smaller --lr or --l2") }
        guard validation >= 0 && validation < 1 else { throw ValidationError("--validation must be in [0, 1)") }
        guard EmbeddingMode(rawValue: embedding) != nil else { throw ValidationError("--embedding takes auto, on or off (got \(embedding))") }
        guard LabelNameMode(rawValue: labelNames) != nil else { throw ValidationError("--label-names takes auto, on or off (got \(labelNames))") }
        if labelNames == "on" && embedding == "off" { throw ValidationError("--label-names on teaches the embedding head, which --embedding off leaves out") }
        guard MixCriterion(rawValue: mixCriterion) != nil else { throw ValidationError("--mix-criterion takes loss or f1 (got \(mixCriterion))") }
        if mix != "auto" {
            guard let w = Float(mix), w >= 0, w <= 1 else { throw ValidationError("--mix takes a number in 0...1 or auto (got \(mix))") }
            guard embedding != "off" else { throw ValidationError("--mix \(mix) mixes in the embedding head, which --embedding off leaves out") }
            _ = w
        }
        guard embeddingL2 >= 0, embeddingL2.isFinite, embeddingLr > 0, embeddingLr.isFinite, embeddingLr * embeddingL2 < 1, embeddingEpochs >= 1 else {
            throw ValidationError("--embedding-lr must be > 0, --embedding-l2 ≥ 0 with their product < 1, --embedding-epochs ≥ 1")
        }
        _ = try featureConfig()
    }

    /// The image block's norm next to unit-length text namespaces: 1 already lets it weigh as
    /// much as a text view (auto tries 0...1); far above, the SGD steps on it overshoot.
    static let maxImageWeight: Float = 100

    /// The views `--views` names: `auto` reads the default set, `auto:LIST` chooses among LIST.
    static let autoViews = "user,agent,ocr,lines"
    var choosesViews: Bool { views == "auto" || views.hasPrefix("auto:") }
    var viewList: String { views == "auto" ? Self.autoViews : views.hasPrefix("auto:") ? String(views.dropFirst(5)) : views }

    func featureConfig() throws -> FeatureConfig {
        var f = FeatureConfig()
        f.views = try viewList.split(separator: ",").map {
            guard let v = TextView(rawValue: String($0)) else { throw ValidationError("unknown view \($0) (known: \(TextView.names))") }
            return v
        }
        f.wordNgrams = Int(wordNgrams) ?? 2
        if charNgrams == "0" { f.charMin = 0; f.charMax = 0 } else if charNgrams != "auto" {
            let parts = charNgrams.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1], parts[1] <= ModelFile.maxCharNgram else {
                throw ValidationError("--char-ngrams takes MIN-MAX with 1 ≤ MIN ≤ MAX ≤ \(ModelFile.maxCharNgram), e.g. 3-5, 0 or auto")
            }
            f.charMin = parts[0]; f.charMax = parts[1]
        }
        f.bits = bits
        f.images = images
        f.layout = layout
        if imageWeight == "auto" { f.imageWeight = -1 } else {
            guard let w = Float(imageWeight), w >= 0, w <= LearningOptions.maxImageWeight else {
                throw ValidationError("--image-weight takes a number in 0...\(Int(LearningOptions.maxImageWeight)) or auto (got \(imageWeight))")
            }
            f.imageWeight = w
        }
        f.idf = idf
        f.taskFeature = joint
        return f
    }

    func builder() throws -> ModelBuilder {
        var b = ModelBuilder(features: try featureConfig(), settings: settings, joint: joint, augmentFlip: augment.contains("flip"), chooseViews: choosesViews, chooseNgrams: wordNgrams == "auto", chooseChars: charNgrams == "auto")
        b.embedding = EmbeddingMode(rawValue: embedding) ?? .auto
        b.mix = Float(mix)
        b.mixCriterion = MixCriterion(rawValue: mixCriterion) ?? .loss
        b.embeddingSettings.l2 = embeddingL2
        b.embeddingSettings.learningRate = embeddingLr
        b.embeddingSettings.epochs = embeddingEpochs
        b.embeddingSettings.seed = seed
        b.labelNames = LabelNameMode(rawValue: labelNames) ?? .auto
        b.encoderPath = encoder.path
        return b
    }
}
