import Shared
import Testing
@testable import kdsl_ocr

@Suite struct RecordOCRTests {
    @Test func pathsFromImagesOrImage() throws {
        #expect(try ImagePaths.of(Record(#"{"images":["a.png","b.jpg"]}"#), field: nil) == ["a.png", "b.jpg"])
        #expect(try ImagePaths.of(Record(#"{"image":"a.png"}"#), field: nil) == ["a.png"])
        #expect(try ImagePaths.of(Record(#"{"id":1}"#), field: nil) == [])
        #expect(try ImagePaths.of(Record(#"{"images":null}"#), field: nil) == [])
        #expect(try ImagePaths.of(Record(#"{"m":{"pics":["x"]},"images":["y"]}"#), field: "m.pics") == ["x"])
    }

    @Test func wrongShapeIsARecordError() throws {
        #expect(throws: RecordError.self) { try ImagePaths.of(Record(#"{"images":3}"#), field: nil) }
        #expect(throws: RecordError.self) { try ImagePaths.of(Record(#"{"images":["a",{}]}"#), field: nil) }
    }

    @Test func relativePathsResolveAgainstTheRoot() {
        #expect(RecordOCR.resolve("images/a.jpg", root: "/data") == "/data/images/a.jpg")
        #expect(RecordOCR.resolve("images/a.jpg", root: "/data/") == "/data/images/a.jpg")
        #expect(RecordOCR.resolve("/abs/a.jpg", root: "/data") == "/abs/a.jpg")
        #expect(RecordOCR.resolve("a.jpg", root: ".") == "a.jpg")
    }

    @Test func textCleanupDropsTrailingBlanksOnly() {
        #expect(OCRText.clean("\n a b  \nc\t\n\n\u{0C}") == " a b\nc")
        #expect(OCRText.clean("x\n\ny\n") == "x\n\ny")
        #expect(OCRText.clean("") == "")
    }

    @Test func recordGetsTextPerImageAndErrorsInPlace() throws {
        let engine = try Traineddata.loadEngine(datapath: nil, languages: "eng", psm: 3)
        let settings = OCRSettings(imageRoot: OCRFixtures.directory)
        let result = RecordOCR.run(paths: ["phototest.png", "missing.png"], engine: .tesseract(engine), settings: settings)
        let images = try #require(result.ocr["images"]?.arrayValue)
        #expect(images.count == 2)
        #expect(images[0]["width"] == 640 && images[0]["height"] == 480 && images[0]["error"] == nil)
        #expect(images[1]["error"] == "No such file or directory" && images[1]["text"] == "")
        #expect(result.ocr["text"] == images[0]["text"])
        #expect(result.problems == ["image missing.png: No such file or directory"])
    }
}
