import JSONLines
import Testing
@testable import kdsl_ocr

@Suite struct RecordOCRTests {
    @Test func textCleanupDropsTrailingBlanksOnly() {
        #expect(OCRText.clean("\n a b  \nc\t\n\n\u{0C}") == " a b\nc")
        #expect(OCRText.clean("x\n\ny\n") == "x\n\ny")
        #expect(OCRText.clean("") == "")
    }

    @Test func recordGetsTextPerImageAndErrorsInPlace() throws {
        let engine = try Traineddata.loadEngine(datapath: nil, languages: "eng", psm: 3)
        let settings = OCRSettings(imageRoot: OCRFixtures.directory)
        let result = RecordOCR.run(paths: ["phototest.png", "missing.png"], engine: .tesseract(engine), settings: settings)
        let images = try #require(result.ocr.json["images"]?.arrayValue)
        #expect(images.count == 2)
        #expect(images[0]["width"] == 640 && images[0]["height"] == 480 && images[0]["error"] == nil)
        #expect(images[1]["error"] == "No such file or directory" && images[1]["text"] == "")
        #expect(result.ocr.json["text"] == images[0]["text"])
        #expect(result.problems == ["image missing.png: No such file or directory"])
    }
}
