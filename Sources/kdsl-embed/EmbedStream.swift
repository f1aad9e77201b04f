import JSONLines
import RecordKeys
import SentenceEncoder
import TextViews

/// Everything `kdsl-embed` needs to run, filled from the command line.
struct EmbedOptions: Sendable {
    var stream = StreamOptions()
    var fields = RecordFields()
    /// The views embedded, in the order written.
    var views: [TextField] = [.user, .ocr]
    var jobs = 1
    /// Progress on stderr (off with --quiet).
    var progress = true
}

/// The streaming embedder: reads records, embeds their views on `jobs` threads, writes them in
/// input order with the `embedding` key added.
///
/// JSONLines' `ParallelFilter` does the streaming, with the error semantics of every filter (a
/// record with a text field of the wrong type is forwarded with `error`). One encoder is loaded
/// before any input is read and shared by the workers (its weights are read-only); all the views
/// of a record go through the encoder in one pass, so a record's vectors depend on that record
/// alone, never on its neighbours or on --jobs.
enum EmbedStream {
    static func run(_ options: EmbedOptions, encoder: SentenceEncoder) throws {
        var filter = ParallelFilter(options.stream, jobs: options.jobs)
        filter.batchLines = 8
        let progress = options.progress ? Progress(unit: "records", total: RecordCount.ofFiles(options.stream.inputs)) : nil
        defer { progress?.finish() }
        let fields = options.fields, views = options.views
        try filter.run {
            return { record, out in
                defer { progress?.advance() }
                if let problem = fields.typeProblem(record) { throw RecordError(problem) }
                let value = embedding(of: fields.recordText(record), views: views, encoder: encoder)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(views.count * encoder.dimension * 12 + 64)
                value.serialize(into: &bytes)
                record.set(EmbeddingValue.key, serialized: bytes)
            }
        }
    }

    /// The `embedding` value of a record's text: a vector per view with text, null for a view
    /// that is empty or only white space.
    static func embedding(of text: RecordText, views: [TextField], encoder: SentenceEncoder) -> EmbeddingValue {
        let texts = views.map { text[$0] }
        let present = texts.indices.filter { hasText(texts[$0]) }
        let vectors = encoder.embed(present.map { texts[$0] })
        var out = views.map { EmbeddingValue.View(name: $0.rawValue, vector: nil) }
        for (i, v) in zip(present, vectors) { out[i].vector = v }
        // The encoder's vectors are L2-normalised means of finite activations: always finite.
        return EmbeddingValue(encoder: SentenceEncoder.name, views: out)!
    }

    /// Whether `text` has anything but white space.
    static func hasText(_ text: String) -> Bool {
        text.unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}
