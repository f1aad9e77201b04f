import ArgumentParser
import Images

/// The image flags of the stages that read images (kdsl-ocr, kdsl-model), declared once. A target
/// of its own beside StageCLI: the default pixel limit comes from `Images`, and the stages that
/// read no image should not link Leptonica to parse their flags.
public struct ImageOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory that relative image paths resolve against.", valueName: "DIR"))
    public var imageRoot: String = "."

    @Option(parsing: .unconditional, help: ArgumentHelp("Images with more pixels than this (width × height, read from the header) are not decoded: decompression bombs.", valueName: "N"))
    public var maxPixels: Int = ImageFile.defaultMaxPixels

    public init() {}

    public func validate() throws {
        if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1, got \(maxPixels)") }
    }
}
