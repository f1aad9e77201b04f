internal import CTesseract
import Images
import Basics
import JSONLines

#if canImport(Glibc)
import Glibc
#endif

/// One libtesseract engine (`TessBaseAPI`), loaded once and reused for every image a worker OCRs.
///
/// Not thread-safe: each worker thread owns one engine (Tesseract's API objects must not be shared).
final class TesseractEngine: @unchecked Sendable {
    private let handle: OpaquePointer
    private let monitor: OpaquePointer

    /// Loads `languages` (e.g. `chi_sim+eng`) from `datapath` (nil: the library's default).
    /// Throws `SetupError` naming the missing traineddata when Tesseract cannot load it.
    init(datapath: String?, languages: String, psm: Int) throws(EngineSetupError) {
        guard let h = TessBaseAPICreate() else { throw EngineSetupError("cannot create a Tesseract engine") }
        // Tesseract prints layout chatter ("Estimating resolution as ...") on stderr; stderr is
        // reserved for our own messages.
        _ = TessBaseAPISetVariable(h, "debug_file", "/dev/null")
        let status = TessBaseAPIInit3(h, datapath, languages)
        if status != 0 {
            TessBaseAPIDelete(h)
            throw EngineSetupError("Tesseract could not load languages '\(languages)'")
        }
        TessBaseAPISetPageSegMode(h, TessPageSegMode(UInt32(psm)))
        handle = h
        monitor = TessMonitorCreate()!
        TessMonitorSetCancelFunc(monitor, { cancelThis, _ in
            // Called by the recogniser between words: stop once the image's deadline is past.
            guard let cancelThis else { return false }
            let deadline = cancelThis.assumingMemoryBound(to: Deadline.self)
            if deadline.pointee.due == 0 { return false }
            if MonotonicClock.nanoseconds() >= deadline.pointee.due { deadline.pointee.expired = true; return true }
            return false
        })
    }

    deinit {
        TessMonitorDelete(monitor)
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// The languages Tesseract actually loaded (it skips a missing one of several silently).
    var loadedLanguages: [String] {
        guard let list = TessBaseAPIGetLoadedLanguagesAsVector(handle) else { return [] }
        defer { TessDeleteTextArray(list) }
        var out: [String] = []
        var i = 0
        while let p = list[i] { out.append(String(cString: p)); i += 1 }
        return out
    }

    /// The directory Tesseract reads traineddata from (after a successful init).
    var datapath: String? { TessBaseAPIGetDatapath(handle).map { String(cString: $0) } }

    /// OCRs one decoded image. `timeoutMs` 0 means no deadline. A deadline that passes during
    /// recognition cancels it through Tesseract's progress monitor (`ETEXT_DESC` cancel callback).
    func recognize(_ image: DecodedImage, timeoutMs: Int) -> Recognition {
        let deadline = UnsafeMutablePointer<Deadline>.allocate(capacity: 1)
        defer { deadline.deallocate() }
        let start = MonotonicClock.nanoseconds()
        deadline.pointee = Deadline(due: timeoutMs > 0 ? start + UInt64(timeoutMs) * 1_000_000 : 0, expired: false)
        TessMonitorSetCancelThis(monitor, deadline)
        defer { TessBaseAPIClear(handle) }
        // Pix is complete or incomplete here depending on which C modules the build has loaded.
        TessBaseAPISetImage2(handle, .init(image.leptonicaPix))
        let status = TessBaseAPIRecognize(handle, monitor)
        // Layout analysis runs before the monitor is consulted: check the clock as well.
        if deadline.pointee.expired || (timeoutMs > 0 && MonotonicClock.nanoseconds() >= deadline.pointee.due) {
            return .failure("timed out after \(timeoutMs) ms")
        }
        if status != 0 { return .failure("Tesseract failed to recognise the image") }
        var text = ""
        if let p = TessBaseAPIGetUTF8Text(handle) {
            text = String(cString: p)
            TessDeleteText(p)
        }
        let confidence = Int(TessBaseAPIMeanTextConf(handle))
        let cleaned = OCRText.clean(text)
        // A mean over no words means nothing: report 0 when nothing was read.
        return .success(PageReading(text: cleaned, confidence: cleaned.isEmpty ? 0 : max(0, confidence), lines: nil))
    }
}

/// What the cancel callback reads; lives in manually allocated memory so C can hold its address.
struct Deadline {
    var due: UInt64
    var expired: Bool
}
