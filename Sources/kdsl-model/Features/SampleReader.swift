import Images
import JSONLines
import RecordKeys
import TextViews

/// One record turned into what training needs: its hashed text, image features and label.
struct Sample {
    var task: String?
    var label: String?
    var raw: RawText
    var image: [Float]?
    var location: SourceLocation
    /// Whether the record names any image (read even with `--no-images`: records with images but
    /// no OCR text mean kdsl-ocr was not run, `ModelBuilder.checkViews`).
    var hasImages = false
    /// The record's sentence vectors (`embedding`, from kdsl-embed); nil without them or when the
    /// reader does not read them (`--embedding off`).
    var embedding: EmbeddingValue? = nil
}

/// Reads text and image features out of records (the same way for train, predict and cv).
final class SampleReader {
    let features: FeatureConfig
    let hasher: TextHasher
    let fields: RecordFields
    let imageRoot: String
    /// JPEG decode scale: the short side stays ≥ this (`ImageFeatures.defaultShortSide`).
    let decodeShortSide: Int
    /// Images that could not be read or decoded (their features are zero; the record is kept).
    private(set) var failedImages = 0
    /// The images `image(_:)` could not use since the last `takeImageFailures()`, in order.
    private var imageFailures: [ImageFeatures.Failure] = []
    private(set) var decodedRecords = 0

    /// Images with more pixels than this (from the header) are refused undecoded (`--max-pixels`).
    let maxPixels: Int
    /// Where the sentence vectors are (`--embedding-field`); nil: not read.
    var embeddingField: FieldPath? = nil

    init(features: FeatureConfig, fields: RecordFields, imageRoot: String, decodeShortSide: Int = ImageFeatures.defaultShortSide,
         maxPixels: Int = ImageFile.defaultMaxPixels) {
        self.maxPixels = maxPixels
        self.features = features
        self.hasher = TextHasher(features)
        self.fields = fields
        self.imageRoot = imageRoot
        self.decodeShortSide = decodeShortSide
    }

    /// The image paths of a record (`--images-field`, by default `images`, else `image`);
    /// throws `RecordError` when the field has the wrong shape, in kdsl-ocr's words.
    func imagePaths(_ record: Record) throws -> [String] {
        try ImagePaths.of(record, field: fields.images)
    }

    /// The record's task; throws `RecordError` when it is present but not a string (it would
    /// otherwise read as "no task").
    func task(_ record: Record) throws -> String? { try record.optionalString(at: fields.task) }

    /// The record's text, hashed into `raw`: its views' normalised bytes come straight from the
    /// record's JSON (TextViews' `TextBytes`, as prediction reads them).
    func text(_ record: Record, task: String?, into raw: inout RawText) throws {
        textBytes.load(record, views: features.views)
        // A text field of the wrong type is a bad record, not empty text (`TextBytes` sees it).
        if let problem = textBytes.mistyped { throw RecordError(problem) }
        hasher.extract(textBytes, task: task, into: &raw, using: &viewHasher)
    }
    /// Made on first use: predictors build readers only for their image features and task.
    private lazy var textBytes = TextBytes(text: fields.text, dialogue: fields.dialogue, ocr: fields.ocr)
    private lazy var viewHasher = ViewHasher(hasher)

    /// Where `ScreenLayout` reads the lines: `ocr.images` beside the OCR text.
    private lazy var layoutPath = TextViews.layoutPath(besideOCR: fields.ocr)

    /// The record's dense block (`FeatureConfig.denseCount`): its averaged image features, then
    /// (with `features.layout`) its layout summary; nil when images are on and none could be used
    /// (no image, all failed), or when both are off.
    func image(_ record: Record) throws -> [Float]? {
        let p = try pixels(record)
        guard features.layout else { return p }
        let layout = ScreenLayout(json: layoutPath.flatMap { record.value(at: $0) }).features
        if !features.images { return layout }
        guard let p else { return nil }
        return p + layout
    }

    /// The record's averaged image features, or nil (no image, all failed, or images off).
    private func pixels(_ record: Record) throws -> [Float]? {
        guard features.images else { return nil }
        let paths = try imagePaths(record)
        if paths.isEmpty { return nil }
        let before = imageFailures.count
        let f = ImageFeatures.of(paths: paths, root: imageRoot, minimumShortSide: decodeShortSide, maxPixels: maxPixels, failures: &imageFailures)
        failedImages += imageFailures.count - before
        if f != nil { decodedRecords += 1 }
        return f
    }

    /// The images that could not be used since the last call, as warnings
    /// (`image PATH: reason`), and forgets them.
    func takeImageFailures() -> [String] {
        if imageFailures.isEmpty { return [] }
        defer { imageFailures.removeAll(keepingCapacity: true) }
        return imageFailures.map { "image \($0.path): \($0.reason)" }
    }

    /// A training sample; throws `RecordError` when the label, the task, a text field or the
    /// images field has the wrong type. Images that cannot be used are reported as
    /// warnings at the record's line as it is read (train and cv read on one thread, so they
    /// come in input order).
    func sample(_ record: Record) throws -> Sample {
        let task = try task(record)
        let label = try record.label(at: fields.label)
        var raw = RawText()
        try text(record, task: task, into: &raw)
        let image = try image(record)
        for message in takeImageFailures() { Diagnostics.shared.warning(message, at: record.location) }
        let hasImages = !((try? imagePaths(record))?.isEmpty ?? true)
        let embedding = try embeddingField.flatMap { try EmbeddingValue.read(from: record, at: $0) }
        return Sample(task: task, label: label, raw: raw, image: image, location: record.location, hasImages: hasImages, embedding: embedding)
    }
}

/// Reads training records: unlabelled ones are counted and left out (reported once, with the
/// first line), bad ones reported as bad records.
func readSamples(_ options: StreamOptions, reader: SampleReader) throws -> [Sample] {
    var samples: [Sample] = []
    var unlabelled = 0
    var firstUnlabelled: SourceLocation? = nil
    try readAll(options) { record in
        let s = try reader.sample(record)
        if s.label == nil {
            unlabelled += 1
            if firstUnlabelled == nil { firstUnlabelled = s.location }
            return
        }
        samples.append(s)
    }
    if unlabelled > 0, let first = firstUnlabelled {
        Diagnostics.shared.warning("left out \(unlabelled) record(s) without a label (first: \(first))")
    }
    return samples
}
