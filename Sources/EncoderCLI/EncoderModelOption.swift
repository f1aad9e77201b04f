import ArgumentParser

/// `--encoder-model FILE`, declared once for the stages that load the encoder.
public struct EncoderModelOption: ParsableArguments {
    @Option(help: ArgumentHelp("Weight file of multilingual-e5-small (default: KDSL_E5_MODEL, else e5/e5-small-q4.bin of the installed share/kdsl/ or of .deps/, which `make deps` fills).", valueName: "FILE"))
    public var encoderModel: String?

    public init() {}

    /// The file to load (`EncoderModel.path`).
    public var path: String { EncoderModel.path(encoderModel) }
}
