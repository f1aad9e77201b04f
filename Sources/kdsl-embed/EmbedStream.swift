import JSONLines
import RecordKeys
import SentenceEncoder
import TextViews

/// Everything `kdsl-embed` needs to run, filled from the command line.
struct EmbedOptions: Sendable {
    var stream = StreamOptions()
    var fields = RecordFields()
    /// The views embedded, in the order written.
    var views: [TextView] = [.user, .ocr]
    var jobs = 1
    /// Records per batch: the texts of a batch go through the encoder together.
    var batch = 16
    /// Progress on stderr (off with --quiet).
    var progress = true
}

/// The streaming embedder: reads records, embeds their views on `jobs` threads, writes them in
/// input order with the `embedding` key added.
///
/// JSONLines' `ParallelFilter` does the streaming, with the error semantics of every filter (a
/// record with a text field of the wrong type is forwarded with `error`). One encoder is loaded
/// before any input is read and shared by the workers (its weights are read-only). A worker runs
/// the encoder once over every text of a batch of `batch` records (`BatchPreparation`): one large
/// matrix product per layer instead of one per record, which spares re-reading the weights for
/// every record. OpenBLAS's products give a row slightly different last bits in products of other
/// sizes, so batches are cut by input order alone (`fixedBatches`): the output is the same bytes
/// for any --jobs and any timing, and records wait for their batch to fill (--batch 1 answers each
/// record as it arrives).
enum EmbedStream {
    /// Tokens per encoder pass at most (a batch of long texts is run in several passes): bounds a
    /// worker's buffers to about 60 MB.
    static let tokensPerPass = 4096

    static func run(_ options: EmbedOptions, encoder: SentenceEncoder) throws {
        var filter = ParallelFilter(options.stream, jobs: options.jobs)
        filter.batchLines = options.batch
        filter.fixedBatches = true
        let progress = options.progress ? Progress(unit: "records", total: RecordCount.ofFiles(options.stream.inputs)) : nil
        defer { progress?.finish() }
        let fields = options.fields, views = options.views
        try filter.run(preparing: {
            let batch = BatchResults()
            return (prepare: { records in
                batch.values = embeddings(of: records.map { fields.typeProblem($0) == nil ? fields.recordText($0) : nil },
                                          views: views, encoder: encoder)
                batch.next = 0
            }, transform: { record, out in
                defer { progress?.advance() }
                let value = batch.values[batch.next]
                batch.next += 1
                if let problem = fields.typeProblem(record) { throw RecordError(problem) }
                guard let value else { throw RecordError("the encoder gave a vector that is not finite") }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(views.count * encoder.dimension * 12 + 64)
                value.serialize(into: &bytes)
                record.set(EmbeddingValue.key, serialized: bytes)
            })
        })
    }

    /// A worker's results for the batch it is writing.
    final class BatchResults {
        var values: [EmbeddingValue?] = []
        var next = 0
    }

    /// The `embedding` values of records' texts (nil for a record whose fields are of the wrong
    /// type, or whose vector is not finite, which a checked weight file of finite numbers does not
    /// give): a vector per view with text, null for a view that is empty or only white space.
    /// Every text goes through the encoder in input order, in passes of at most `tokensPerPass`
    /// tokens, so the vectors depend on these texts alone.
    static func embeddings(of texts: [RecordText?], views: [TextView], encoder: SentenceEncoder) -> [EmbeddingValue?] {
        var sequences: [[Int32]] = []
        var owners: [(record: Int, view: Int)] = []
        for (r, text) in texts.enumerated() {
            guard let text else { continue }
            for (v, view) in views.enumerated() where hasText(text[view]) {
                sequences.append(encoder.tokens(text[view]))
                owners.append((r, v))
            }
        }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(sequences.count)
        var first = 0
        while first < sequences.count {
            var end = first + 1, tokens = sequences[first].count
            while end < sequences.count && tokens + sequences[end].count <= tokensPerPass {
                tokens += sequences[end].count
                end += 1
            }
            vectors += encoder.embed(tokens: Array(sequences[first..<end]))
            first = end
        }
        var values: [[EmbeddingValue.View]?] = texts.map { $0 == nil ? nil : views.map { EmbeddingValue.View(name: $0.rawValue, vector: nil) } }
        for (owner, vector) in zip(owners, vectors) { values[owner.record]![owner.view].vector = vector }
        return values.map { $0.flatMap { EmbeddingValue(encoder: SentenceEncoder.name, views: $0) } }
    }

    /// Whether `text` has anything but white space.
    static func hasText(_ text: String) -> Bool {
        text.unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}
