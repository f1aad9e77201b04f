import Images
import Testing
@testable import kdsl_ocr

/// Real engines on real traineddata (eng, chi_sim from Debian's tesseract-ocr-eng/-chi-sim).
@Suite(.serialized) struct TesseractEngineTests {
    private func image(_ name: String) throws -> DecodedImage {
        guard case .success(let image) = ImageDecoder(maxPixels: 1 << 30).decode(path: OCRFixtures.path(name)) else {
            throw ImageError("cannot decode fixture \(name)")
        }
        return image
    }

    @Test func readsAnEnglishPageAlmostExactly() throws {
        let engine = try Traineddata.loadEngine(datapath: nil, languages: "eng", psm: 3)
        guard case .success(let page) = engine.recognize(try image("phototest.png"), timeoutMs: 0) else {
            Issue.record("recognition failed"); return
        }
        let cer = characterErrorRate(page.text, OCRFixtures.phototestText)
        #expect(cer < 0.03, "CER \(cer): \(page.text)")
        #expect(page.confidence > 80 && page.confidence <= 100)
    }

    @Test func engineIsReusableAndDeterministic() throws {
        let engine = try Traineddata.loadEngine(datapath: nil, languages: "eng", psm: 3)
        let page = try image("phototest.png")
        let first = engine.recognize(page, timeoutMs: 0)
        _ = engine.recognize(try image("zh-line.png"), timeoutMs: 0)
        #expect(engine.recognize(page, timeoutMs: 0) == first)
    }

    @Test func readsAChineseLineWithChiSim() throws {
        let engine = try Traineddata.loadEngine(datapath: nil, languages: "chi_sim+eng", psm: 7)
        guard case .success(let page) = engine.recognize(try image("zh-line.png"), timeoutMs: 0) else {
            Issue.record("recognition failed"); return
        }
        #expect(page.text == OCRFixtures.zhLineText)
    }

    @Test func deadlineCancelsRecognition() throws {
        let engine = try Traineddata.loadEngine(datapath: nil, languages: "eng", psm: 3)
        #expect(engine.recognize(try image("phototest.png"), timeoutMs: 1) == .failure("timed out after 1 ms"))
        // The engine still works after a cancelled page.
        guard case .success(let page) = engine.recognize(try image("phototest.png"), timeoutMs: 0) else {
            Issue.record("recognition failed after a timeout"); return
        }
        #expect(page.text.hasPrefix("This is a lot of 12 point text"))
    }

    @Test func missingLanguageNamesItsDebianPackage() {
        do {
            _ = try Traineddata.loadEngine(datapath: nil, languages: "eng+klingon_x", psm: 3)
            Issue.record("loaded a language that does not exist")
        } catch {
            #expect(error.message.contains("'klingon_x'"))
            #expect(error.message.contains("tesseract-ocr-klingon-x"))
            #expect(!error.message.contains("'eng'"))
        }
    }

    @Test func debianPackageNames() {
        #expect(Traineddata.debianPackage("chi_sim") == "tesseract-ocr-chi-sim")
        #expect(Traineddata.debianPackage("eng") == "tesseract-ocr-eng")
        #expect(Traineddata.components("chi_sim+eng") == ["chi_sim", "eng"])
        #expect(Traineddata.components("+eng+") == ["eng"])
    }
}
