/// Why an image could not be read or decoded, in the words every stage reports (kdsl-ocr writes
/// it into `ocr.images[i].error`, kdsl-model into its warning).
public struct ImageError: Error, Equatable, Sendable {
    public let message: String
    /// The dimensions when the header could be read (a refused huge image still reports them), else 0.
    public var width = 0, height = 0

    public init(_ message: String, width: Int = 0, height: Int = 0) {
        self.message = message; self.width = width; self.height = height
    }
}
