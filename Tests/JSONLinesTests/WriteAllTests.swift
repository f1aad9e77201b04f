import Foundation
import Testing
@testable import JSONLines

@Suite struct WriteAllTests {
    /// More than a pipe holds, read slowly on another thread: the writes come back partial and
    /// every byte still arrives, in order.
    @Test func partialWritesArriveWhole() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let bytes = (0..<(1 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reader = fds[0]
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var received: [UInt8] = []
        Thread.detachNewThread {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(reader, &chunk, chunk.count)
                if n <= 0 { break }
                received += chunk[0..<n]
            }
            done.signal()
        }
        #expect(writeAll(bytes, to: fds[1]) == nil)
        close(fds[1])
        done.wait()
        close(reader)
        #expect(received == bytes)
    }

    @Test func aFailedWriteGivesItsErrno() throws {
        let full = open("/dev/full", O_WRONLY)
        #expect(full >= 0)
        #expect(writeAll(Array("x".utf8), to: full) == ENOSPC)
        close(full)
        #expect(writeAll(Array("x".utf8), to: -1) == EBADF)
        #expect(writeAll([UInt8](), to: -1) == nil)
    }
}
