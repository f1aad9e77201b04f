import Testing
@testable import JSONLines
@testable import TextViews

/// `ScreenLayout`: the title and bottom views and the geometry summary read from kdsl-ocr's lines.
@Suite struct ScreenLayoutTests {
    /// A 100×1000 screenshot: a status-bar clock, a title, a body line and two tabs.
    static let record = try! Record(#"""
    {"ocr":{"text":"09:51\n退款详情\n退款成功\n首页\n我的","images":[{"path":"a.jpg","width":100,"height":1000,"lines":[
      {"text":"09:51","box":[5,10,30,30],"confidence":99},
      {"text":"退款详情","box":[30,60,70,90],"confidence":98},
      {"text":"退款成功","box":[10,400,90,440],"confidence":97},
      {"text":"首页","box":[5,940,25,970],"confidence":96},
      {"text":"我的","box":[75,940,95,970],"confidence":95}]}]}}
    """#)

    @Test func titleSkipsTheStatusBarAndBottomTakesTheTabs() {
        let layout = ScreenLayout(json: Self.record.value(at: "ocr.images"))
        #expect(layout.title == "退款详情")
        #expect(layout.bottom == "首页\n我的")
        let text = RecordText(Self.record)
        #expect(text[.title] == "退款详情")
        #expect(text[.bottom] == "首页\n我的")
        #expect(text.ocr.hasPrefix("09:51"))
    }

    @Test func featuresDescribeWhereTheTextSits() {
        let f = ScreenLayout(json: Self.record.value(at: "ocr.images")).features
        #expect(f.count == ScreenLayout.featureNames.count)
        #expect(abs(f[0] - Float(log(6.0))) < 1e-6)  // five lines
        #expect(f[1] == 0)  // text was read
        #expect(f[2] == 4)  // 10:1, clipped to 4
        // Two lines in the first eighth (clock, title), one in the fourth, two in the last.
        #expect(f[6] == 0.4 && f[9] == 0.2 && f[13] == 0.4)
        #expect(abs(f[14] - Float(log(2.0))) < 1e-6 && abs(f[15] - Float(log(3.0))) < 1e-6)
    }

    @Test func otherShapesGiveEmptyViews() throws {
        for json in [#"{"ocr":{"text":"x"}}"#, #"{"ocr":{"text":"x","images":5}}"#,
                     #"{"ocr":{"text":"x","images":[{"width":0,"height":10,"lines":[]}]}}"#,
                     #"{"ocr":{"text":"x","images":[{"width":10,"height":10,"lines":[{"text":"a","box":[1,2]},{"box":[1,2,3,4]}]}]}}"#] {
            let r = try Record(json)
            let layout = ScreenLayout(json: r.value(at: "ocr.images"))
            #expect(layout.title.isEmpty && layout.bottom.isEmpty)
            #expect(RecordText(r)[.title].isEmpty)
        }
        // An image with a size and no lines is "no text"; no image at all is all zeros.
        let empty = ScreenLayout(json: try Record(#"{"i":[{"width":10,"height":20,"lines":[]}]}"#).value(at: "i")).features
        #expect(empty[1] == 1 && empty[2] == 2)
        #expect(ScreenLayout(json: nil).features.allSatisfy { $0 == 0 })
    }

    @Test func layoutViewsFollowTheOCRPath() throws {
        #expect(layoutPath(besideOCR: "ocr.text") == "ocr.images")
        #expect(layoutPath(besideOCR: "paddle.text") == "paddle.images")
        #expect(layoutPath(besideOCR: "caption") == nil)
        let views = TextBytes(ocr: "caption")
        views.load(Self.record, views: [.title])
        #expect(views.bytes(.title).isEmpty)
        let standard = TextBytes()
        standard.load(Self.record, views: [.title, .bottom, .ocr])
        #expect(standard.bytes(.title) == Array("退款详情".utf8))
        #expect(standard.bytes(.bottom) == Array("首页\n我的".utf8))
    }
}

#if canImport(Glibc)
import Glibc
#endif
