import Foundation
import Testing
@testable import JSONLines

/// Standard output's buffering: large blocks for fast stages, yet a slow stage's finished records
/// reach the file within about a second.
@Suite struct StandardOutputTests {
    /// What can be read from `fd` now, without waiting.
    func available(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { return out }
            out += chunk[0..<n]
        }
    }

    @Test func aRecordEndingASecondAfterTheLastWriteIsWrittenAtOnce() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        let output = StandardOutput(fd: fds[1])
        // Fast records stay buffered.
        output.write(Array("{\"a\":1}\n".utf8)); output.endRecord()
        output.write(Array("{\"a\":2}\n".utf8)); output.endRecord()
        #expect(available(fds[0]).isEmpty)
        // A record that ends after a slow one (a second and more): everything goes out with it.
        Thread.sleep(forTimeInterval: 1.1)
        output.write(Array("{\"a\":3}\n".utf8)); output.endRecord()
        #expect(String(decoding: available(fds[0]), as: UTF8.self) == "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n")
    }
}
