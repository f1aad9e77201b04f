import JSONLines

/// Warns about the images that could not be used; when not one could, fails: every image
/// feature would be zero, which is a wrong --image-root rather than data.
func reportImages(failed: Int, decodedRecords: Int) throws {
    guard failed > 0 else { return }
    if decodedRecords == 0 {
        throw SetupError("none of the \(failed) image(s) could be read or decoded (each is named above): is --image-root right? (train with --no-images to leave images out)")
    }
    Diagnostics.shared.warning("\(failed) image(s) could not be read or decoded; their features are zero, records kept")
}

func reportImages(_ reader: SampleReader) throws {
    try reportImages(failed: reader.failedImages, decodedRecords: reader.decodedRecords)
}
