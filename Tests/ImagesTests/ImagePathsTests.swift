import Images
import JSONLines
import Testing

/// The image paths a record names, and how they resolve against a root (both kdsl-ocr and
/// kdsl-model read them this way).
@Suite struct ImagePathsTests {
    @Test func pathsFromImagesOrImage() throws {
        #expect(try ImagePaths.of(Record(#"{"images":["a.png","b.jpg"]}"#), field: nil) == ["a.png", "b.jpg"])
        #expect(try ImagePaths.of(Record(#"{"image":"a.png"}"#), field: nil) == ["a.png"])
        #expect(try ImagePaths.of(Record(#"{"id":1}"#), field: nil) == [])
        #expect(try ImagePaths.of(Record(#"{"images":null}"#), field: nil) == [])
        #expect(try ImagePaths.of(Record(#"{"m":{"pics":["x"]},"images":["y"]}"#), field: "m.pics") == ["x"])
    }

    /// The default (no `--images-field`: nil, in kdsl-ocr and kdsl-model alike) falls back to
    /// `image`; a field named on the command line is read alone, also the default's name.
    @Test func aNamedFieldHasNoFallback() throws {
        #expect(ImagePaths.defaultField == "images" && ImagePaths.fallbackField == "image")
        #expect(try ImagePaths.of(Record(#"{"image":"a.png"}"#), field: nil) == ["a.png"])
        #expect(try ImagePaths.of(Record(#"{"image":"a.png"}"#), field: "images") == [])
    }

    @Test func wrongShapeIsARecordError() throws {
        #expect(throws: RecordError.self) { try ImagePaths.of(Record(#"{"images":3}"#), field: nil) }
        #expect(throws: RecordError.self) { try ImagePaths.of(Record(#"{"images":["a",{}]}"#), field: nil) }
    }

    /// A path holding `\u0000` (valid JSON) names no file: opened as a C string it would name the
    /// file before the NUL.
    @Test func aPathWithANulIsARecordError() throws {
        #expect(throws: RecordError.self) { try ImagePaths.of(Record(#"{"images":["a.png\u0000.jpg"]}"#), field: nil) }
        #expect(throws: RecordError.self) { try ImagePaths.of(Record(#"{"image":"a\u0000"}"#), field: nil) }
    }

    @Test func relativePathsResolveAgainstTheRoot() {
        #expect(ImagePaths.resolve("images/a.jpg", root: "/data") == "/data/images/a.jpg")
        #expect(ImagePaths.resolve("images/a.jpg", root: "/data/") == "/data/images/a.jpg")
        #expect(ImagePaths.resolve("/abs/a.jpg", root: "/data") == "/abs/a.jpg")
        #expect(ImagePaths.resolve("a.jpg", root: ".") == "a.jpg")
    }
}
