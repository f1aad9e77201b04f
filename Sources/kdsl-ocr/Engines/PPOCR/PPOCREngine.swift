import Images
import InstallLayout
import Basics
import JSONLines
import RecordKeys

#if canImport(Glibc)
import Glibc
#endif

/// The PP-OCR model files one run uses, checked before any input is read.
struct PPOCRModels: Sendable {
    var detector: String
    var recognizer: String
    /// The text-direction classifier; nil runs none.
    var classifier: String?
    /// The recogniser's characters, one per entry (from the model's `character` metadata, or a
    /// keys file given with --rec-keys).
    var dictionary: [String]

    /// File names of the default set (PP-OCRv4, from the rapidocr_onnxruntime 1.4.4 wheel).
    static let defaultDetector = "ch_PP-OCRv4_det_infer.onnx"
    static let defaultRecognizer = "ch_PP-OCRv4_rec_infer.onnx"
    static let defaultClassifier = "ch_ppocr_mobile_v2.0_cls_infer.onnx"

    /// The model folder: `--models`, else KDSL_PPOCR_MODELS, else the data folder's ppocr/
    /// (`DataDirectory`: the installed share/kdsl/, else the build's deps folder).
    static func directory(_ flag: String?) -> String {
        flag ?? DataDirectory.locate("ppocr", override: "KDSL_PPOCR_MODELS")
    }

    /// Finds the files and reads the dictionary; every problem is a setup error naming the file
    /// and how to get it.
    static func locate(directory flag: String?, detector: String?, recognizer: String?, classifier: String? = nil,
                       useClassifier: Bool = true, keys: String?) throws(EngineSetupError) -> PPOCRModels {
        let dir = directory(flag)
        func file(_ explicit: String?, _ name: String, _ what: String) throws(EngineSetupError) -> String {
            let path = explicit ?? (dir.hasSuffix("/") ? dir + name : dir + "/" + name)
            if let why = RegularFile.check(path) {
                throw EngineSetupError("the PP-OCR \(what) model \(path) cannot be read (\(why)); \(DataDirectory.remedy)"
                    + "\(DataDirectory.isInstalled ? "" : " (it fetches the models from PyPI)"), or point --models or KDSL_PPOCR_MODELS at a folder holding "
                    + "\(name), or use --engine tesseract")
            }
            return path
        }
        let det = try file(detector, defaultDetector, "detection")
        let rec = try file(recognizer, defaultRecognizer, "recognition")
        let cls = useClassifier ? try file(classifier, defaultClassifier, "text-direction") : nil
        // Each file is checked against the pinned set's digest before OpenVINO reads it: OpenVINO
        // reads damaged weights without a word. A folder or file named on the command line may
        // hold other models; the install (the data folder, or KDSL_PPOCR_MODELS) must be the pinned set.
        let folderChosen = flag != nil
        try PinnedFiles.checkModel(det, name: defaultDetector, what: "detection", chosen: folderChosen || detector != nil)
        try PinnedFiles.checkModel(rec, name: defaultRecognizer, what: "recognition", chosen: folderChosen || recognizer != nil)
        if let cls { try PinnedFiles.checkModel(cls, name: defaultClassifier, what: "text-direction", chosen: folderChosen || classifier != nil) }
        var characters: [String]
        if let keys {
            if let why = RegularFile.check(keys) { throw EngineSetupError("cannot read the recogniser's keys file \(keys): \(why)") }
            guard let f = fopen(keys, "rb") else {
                throw EngineSetupError("cannot read the recogniser's keys file \(keys): \(String(cString: strerror(errno)))")
            }
            var bytes: [UInt8] = []
            var c = getc(f)
            while c != EOF { bytes.append(UInt8(c)); c = getc(f) }
            fclose(f)
            characters = dictionaryLines(String(decoding: bytes, as: UTF8.self))
        } else {
            let meta: [String: String]
            switch ONNXMetadata.read(path: rec) {
            case .success(let m): meta = m
            case .failure(let e): throw e
            }
            guard let chars = meta["character"] else {
                throw EngineSetupError("\(rec) carries no character dictionary in its metadata; give its keys file with --rec-keys")
            }
            characters = dictionaryLines(chars)
        }
        if characters.isEmpty { throw EngineSetupError("the recogniser's dictionary is empty") }
        return PPOCRModels(detector: det, recognizer: rec, classifier: cls, dictionary: characters)
    }

    /// One character per line (a final newline does not add an empty entry; `\r\n` is one break).
    static func dictionaryLines(_ s: String) -> [String] {
        // "\r\n" is one Character in Swift: split on both.
        var lines = s.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// PP-OCR on OpenVINO: detection, then recognition of each box, lines in reading order. One per
/// worker (it owns the workers' compiled networks and inference requests); loading compiles both
/// networks once, and every image after that reuses them.
final class PPOCREngine: @unchecked Sendable {
    private let detectorNet: CompiledNetwork
    private let recognizerNet: CompiledNetwork
    private let classifierNet: CompiledNetwork?
    private let direction = TextDirection()
    private let detector = TextDetector()
    private let recognizer: TextRecognizer
    /// RapidOCR's global limits: longer side at most 2000 px, shorter side at least 30 px; an
    /// image 30 px high or less, or more than 8 times wider than high, gets black bands above
    /// and below before detection.
    var maxSide = 2000, minSide = 30, minHeight = 30, maxAspect = 8.0

    init(models: PPOCRModels, threads: Int = 1) throws(EngineSetupError) {
        let runtime = try OpenVINORuntime.shared()
        detectorNet = try CompiledNetwork(runtime: runtime, path: models.detector, threads: threads)
        recognizerNet = try CompiledNetwork(runtime: runtime, path: models.recognizer, threads: threads)
        classifierNet = try models.classifier.map { path throws(EngineSetupError) in try CompiledNetwork(runtime: runtime, path: path, threads: threads) }
        recognizer = TextRecognizer(dictionary: models.dictionary)
        try checkRoles(models)
    }

    /// Runs each network once on a small blank input and checks the shape of what comes out, so
    /// that a model file given in the wrong role (a recogniser as --det-model), a model of another
    /// kind, or a dictionary that is not the recogniser's stops the run before the first record
    /// (exit 2) instead of failing every record. About 30 ms a worker.
    private func checkRoles(_ models: PPOCRModels) throws(EngineSetupError) {
        func probe(_ net: CompiledNetwork, _ role: String, _ shape: [Int], expected: String, _ ok: ([Int]) -> Bool) throws(EngineSetupError) {
            var input = [Float](repeating: 0, count: shape.reduce(1, *))
            let got: [Int]
            do { got = try net.infer(&input, shape: shape) { _, out in out } } catch {
                throw EngineSetupError("\(net.path) does not run as a PP-OCR \(role) (input \(shape)): \((error as? InferenceError)?.message ?? "\(error)")")
            }
            guard ok(got) else {
                throw EngineSetupError("\(net.path) does not look like a PP-OCR \(role): its output has shape \(got) for an input \(shape), expected \(expected)")
            }
        }
        try probe(detectorNet, "text detector", [1, 3, 64, 64], expected: "[1, 1, 64, 64]") { $0.count == 4 && $0[0] == 1 && $0[1] == 1 }
        let r = recognizer
        try probe(recognizerNet, "text recogniser", [1, 3, r.height, r.minWidth],
                  expected: "[1, T, \(r.characters.count)] (\(r.characters.count - 2) dictionary characters, a blank and a space; is the dictionary the model's?)") {
            $0.count == 3 && $0[0] == 1 && ($0[2] == r.characters.count || $0[2] == r.asGiven.count)
        }
        if let net = classifierNet {
            try probe(net, "text-direction classifier", [1, 3, direction.height, direction.width], expected: "[1, 2]") { $0 == [1, 2] }
        }
    }

    /// Reads one decoded image. `timeoutMs` 0 means no deadline; it is checked between detection
    /// and each batch of recognition.
    func recognize(_ decoded: DecodedImage, timeoutMs: Int) -> Recognition {
        let due = timeoutMs > 0 ? MonotonicClock.nanoseconds() + UInt64(timeoutMs) * 1_000_000 : 0
        func late() -> Bool { due != 0 && MonotonicClock.nanoseconds() >= due }
        guard let raw = RasterImage(decoded) else { return .failure("cannot convert the image's pixels") }
        do {
            let (image, ratioW, ratioH, top) = PPOCREngine.prepared(raw, maxSide: maxSide, minSide: minSide, minHeight: minHeight, maxAspect: maxAspect)
            let boxes = try detector.detect(image, network: detectorNet)
            if late() { return .failure("timed out after \(timeoutMs) ms") }
            var crops: [RasterImage] = [], kept: [Quad] = []
            for b in boxes { if let c = image.crop(b) { crops.append(c); kept.append(b) } }
            if let classifierNet { crops = try direction.upright(crops, network: classifierNet) }
            // The deadline is checked between batches, so a page with many lines can be stopped.
            guard let readings = try recognizer.read(crops, network: recognizerNet, stop: late) else {
                return .failure("timed out after \(timeoutMs) ms")
            }
            var lines: [TextLine] = []
            for (box, r) in zip(kept, readings) where r.score >= recognizer.minScore {
                let xs = box.map { min(max(($0.x) * ratioW, 0), Double(raw.width)) }
                let ys = box.map { min(max(($0.y - Double(top)) * ratioH, 0), Double(raw.height)) }
                lines.append(TextLine(text: r.text, box: [Int(xs.min()!), Int(ys.min()!), Int(xs.max()!.rounded(.up)), Int(ys.max()!.rounded(.up))],
                                      confidence: Int((r.score * 100).rounded())))
            }
            let text = lines.map(\.text).joined(separator: "\n")
            let confidence = lines.isEmpty ? 0 : Int((Double(lines.reduce(0) { $0 + $1.confidence }) / Double(lines.count)).rounded())
            return .success(PageReading(text: text, confidence: confidence, lines: lines))
        } catch let e as InferenceError {
            return .failure(e.message)
        } catch {
            return .failure("\(error)")
        }
    }

    /// The image as the detector gets it (RapidOCR's global limits, then its letterbox), with the
    /// factors that map its coordinates back and the rows of black added above.
    static func prepared(_ raw: RasterImage, maxSide: Int = 2000, minSide: Int = 30, minHeight: Int = 30,
                         maxAspect: Double = 8.0) -> (image: RasterImage, ratioW: Double, ratioH: Double, top: Int) {
        var image = raw
        var ratioW = 1.0, ratioH = 1.0
        if max(image.height, image.width) > maxSide {
            let (scaled, rw, rh) = PPOCREngine.rescaled(image, ratio: Double(maxSide) / Double(max(image.height, image.width)))
            image = scaled; ratioW *= rw; ratioH *= rh
        }
        if min(image.height, image.width) < minSide {
            let (scaled, rw, rh) = PPOCREngine.rescaled(image, ratio: PPOCREngine.minSideRatio(
                height: image.height, width: image.width, minSide: minSide, maxSide: maxSide))
            image = scaled; ratioW *= rw; ratioH *= rh
        }
        var top = 0
        if image.height <= minHeight || Double(image.width) / Double(image.height) > maxAspect {
            let target = max(Int(Double(image.width) / maxAspect), minHeight) * 2
            top = abs(target - image.height) / 2
            image = image.padded(top: top, bottom: top)
        }
        return (image, ratioW, ratioH, top)
    }

    /// The factor that brings the shorter side up to `minSide` (RapidOCR's increase_min_side),
    /// but never the longer side past `maxSide`: RapidOCR scales a 1 × 2000 image by 30 to
    /// 30 × 60000, which its letterbox then pads to 15000 × 60000 (2.7 GB of pixels, a 10 GB
    /// detector input). Such an image is thinner than any text line, so its shorter side is
    /// left at the 32 px minimum of `rescaled` instead; images up to 2000/30 times longer than
    /// wide are scaled as the reference does.
    static func minSideRatio(height: Int, width: Int, minSide: Int, maxSide: Int) -> Double {
        let up = Double(minSide) / Double(min(height, width))
        return min(up, max(1, Double(maxSide) / Double(max(height, width))))
    }

    /// The image scaled by `ratio`, sides rounded to multiples of 32, and the factors that map its
    /// coordinates back (RapidOCR's reduce_max_side / increase_min_side).
    static func rescaled(_ image: RasterImage, ratio: Double) -> (RasterImage, Double, Double) {
        let h = TextDetector.multipleOf32(Int(Double(image.height) * ratio))
        let w = TextDetector.multipleOf32(Int(Double(image.width) * ratio))
        let rh = max(h, 32), rw = max(w, 32)
        return (image.resized(width: rw, height: rh), Double(image.width) / Double(rw), Double(image.height) / Double(rh))
    }
}
