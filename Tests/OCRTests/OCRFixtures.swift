import Foundation
import TestSupport

/// Paths of the committed fixtures and their exact text.
enum OCRFixtures {
    static let directory = repositoryRoot.appendingPathComponent("Tests/OCRTests/Fixtures").path
    static func path(_ name: String) -> String { directory + "/" + name }
    /// Ground truth of phototest.png (tesseract-ocr/test testing/phototest.txt).
    static let phototestText = """
    This is a lot of 12 point text to test the
    ocr code and see if it works on all types
    of file format.

    The quick brown dog jumped over the
    lazy fox. The quick brown dog jumped
    over the lazy fox. The quick brown dog
    jumped over the lazy fox. The quick
    brown dog jumped over the lazy fox.
    """
    static let zhLineText = "订单已签收 退款成功"
}

/// Levenshtein distance over Unicode scalars, divided by the reference length.
func characterErrorRate(_ hypothesis: String, _ reference: String) -> Double {
    let h = Array(hypothesis.unicodeScalars), r = Array(reference.unicodeScalars)
    if r.isEmpty { return h.isEmpty ? 0 : 1 }
    var prev = Array(0...h.count), cur = [Int](repeating: 0, count: h.count + 1)
    for i in 1...r.count {
        cur[0] = i
        for j in 1...max(h.count, 1) where j <= h.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return Double(prev[h.count]) / Double(r.count)
}
