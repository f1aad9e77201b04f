import Testing
@testable import JSONLines

/// The scanner's fast member skim against its validating scan.
@Suite struct JSONScannerTests {
    @Test func skimmingFindsTheMembersTheValidatingScannerFinds() {
        var gen = RecordGenerator(seed: 7)
        var validated: [JSONScanner.Member] = [], skimmed: [JSONScanner.Member] = []
        var checked = 0
        for _ in 0..<5000 {
            let line = gen.line()
            line.withUnsafeBufferPointer { buf in
                var close = 0
                guard JSONScanner.scanObject(buf, members: &validated, close: &close) == .valid else { return }
                // The skimmer starts at the brace, as `rawValue` hands it a value's exact range.
                let start = buf.firstIndex(of: UInt8(ascii: "{"))!
                JSONScanner.skimMembers(ofValidObject: UnsafeBufferPointer(rebasing: buf[start...close]), into: &skimmed)
                let a = validated.map { [$0.keyStart, $0.keyEnd, $0.keyEscaped ? 1 : 0, $0.valueStart, $0.valueEnd] }
                let b = skimmed.map { [$0.keyStart + start, $0.keyEnd + start, $0.keyEscaped ? 1 : 0, $0.valueStart + start, $0.valueEnd + start] }
                #expect(a == b, "\(String(decoding: line, as: UTF8.self))")
                checked += 1
            }
        }
        #expect(checked > 1000)
    }
}
