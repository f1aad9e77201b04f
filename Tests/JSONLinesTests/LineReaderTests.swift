import Foundation
import Testing
import Basics
@testable import JSONLines
import TestSupport

/// Every line `LineReader` yields, with its number.
func readLines(fd: Int32, chunk: Int) throws -> [([UInt8], Int)] {
    var reader = LineReader(fd: fd, chunk: chunk)
    defer { reader.close() }
    var lines: [([UInt8], Int)] = []
    try reader.forEachLine { line, number in lines.append((Array(line), number)) }
    return lines
}

/// The reference split: on `\n`, one `\r` before it dropped, a last line without newline kept.
func referenceLines(_ data: [UInt8]) -> [[UInt8]] {
    var parts = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    if parts.last?.isEmpty == true { parts.removeLast() }
    return parts.map { $0.last == 0x0D ? Array($0.dropLast()) : $0 }
}

/// Writes `data` to a temporary file and returns an open descriptor (the file is unlinked).
func temporaryFile(_ data: [UInt8]) throws -> Int32 {
    let path = testScratchRoot.appendingPathComponent("kdsl-linereader-\(UUID().uuidString)").path
    try Data(data).write(to: URL(fileURLWithPath: path))
    let fd = open(path, O_RDONLY)
    unlink(path)
    return fd
}

/// A pipe fed from another thread in writes of `pieces` bytes, so reads return partial lines.
func pipeFeeding(_ data: [UInt8], pieces: Int) -> Int32 {
    var fds: [Int32] = [0, 0]
    _ = pipe(&fds)
    let writeEnd = fds[1]
    Thread.detachNewThread {
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(writeEnd, raw.baseAddress! + off, min(pieces, raw.count - off))
                if n <= 0 { break }
                off += n
            }
        }
        close(writeEnd)
    }
    return fds[0]
}

@Suite struct LineReaderTests {
    @Test func crlfBlankLinesAndLastLineWithoutNewline() throws {
        let data = Array("a\r\nb\n\n\r\n  \nlast".utf8)
        let fd = try temporaryFile(data)
        defer { close(fd) }
        let lines = try readLines(fd: fd, chunk: 4)
        #expect(lines.map { String(decoding: $0.0, as: UTF8.self) } == ["a", "b", "", "", "  ", "last"])
        #expect(lines.map(\.1) == [1, 2, 3, 4, 5, 6])
    }

    @Test func onlyOneCarriageReturnIsDropped() throws {
        let fd = try temporaryFile(Array("x\r\r\n\r".utf8))
        defer { close(fd) }
        #expect(try readLines(fd: fd, chunk: 2).map(\.0) == [Array("x\r".utf8), []])
    }

    @Test func emptyInputHasNoLines() throws {
        let fd = try temporaryFile([])
        defer { close(fd) }
        #expect(try readLines(fd: fd, chunk: 8).isEmpty)
    }

    @Test func nulBytesAndInvalidUTF8PassThrough() throws {
        let data: [UInt8] = [0x7B, 0x00, 0x7D, 0x0A, 0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0x0A, 0x00]
        let fd = try temporaryFile(data)
        defer { close(fd) }
        #expect(try readLines(fd: fd, chunk: 3).map(\.0) == [[0x7B, 0x00, 0x7D], [0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80], [0x00]])
    }

    @Test func fortyMegabyteLineThroughAPipe() throws {
        var data = Array("short\n".utf8)
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 40 << 20)
        data += big + [0x0D, 0x0A] + Array("after".utf8)
        let fd = pipeFeeding(data, pieces: 1 << 16)
        defer { close(fd) }
        let lines = try readLines(fd: fd, chunk: 1 << 12)
        #expect(lines.count == 3)
        #expect(lines[1].0.count == big.count && lines[1].0.allSatisfy { $0 == UInt8(ascii: "x") })
        #expect(lines[2].0 == Array("after".utf8) && lines[2].1 == 3)
    }

    /// Random lines (CRLF, blanks, NULs, high bytes) read with every small chunk size, from a file
    /// and from a pipe written in odd-sized pieces, equal the reference split.
    @Test func chunkBoundariesNeverChangeTheLines() throws {
        var rng = SeededRNG(seed: 5)
        for round in 0..<20 {
            var data: [UInt8] = []
            for _ in 0..<Int(rng.next() % 40) {
                for _ in 0..<Int(rng.next() % 30) { data.append([0x61, 0x7B, 0x22, 0x00, 0xE4, 0xFF, 0x0D, 0x20][Int(rng.next() % 8)]) }
                data += rng.next() % 3 == 0 ? [0x0D, 0x0A] : [0x0A]
            }
            if round % 2 == 0 { data += Array("tail\r".utf8) }
            let expected = referenceLines(data)
            for chunk in [1, 2, 3, 5, 7, 16, 64, 4096] {
                let fd = try temporaryFile(data)
                let got = try readLines(fd: fd, chunk: chunk)
                close(fd)
                #expect(got.map(\.0) == expected, "file, chunk \(chunk), round \(round)")
                #expect(got.map(\.1) == Array(1...max(1, expected.count)).prefix(expected.count).map { $0 })
            }
            let fd = pipeFeeding(data, pieces: 1 + Int(rng.next() % 13))
            #expect(try readLines(fd: fd, chunk: 8).map(\.0) == expected, "pipe, round \(round)")
            close(fd)
        }
    }

    @Test func nextLinePullsLinesThenNilForever() throws {
        let fd = try temporaryFile(Array("one\r\n\ntwo".utf8))
        defer { close(fd) }
        var reader = LineReader(fd: fd, chunk: 2)
        defer { reader.close() }
        var got: [String] = []
        while let (line, number) = try reader.nextLine() { got.append("\(number):\(String(decoding: line, as: UTF8.self))") }
        #expect(got == ["1:one", "2:", "3:two"])
        #expect(try reader.nextLine() == nil)
        #expect(try reader.nextLine() == nil)
        #expect(reader.lineNumber == 3)
    }

    @Test func zeroChunkStillReads() throws {
        let fd = try temporaryFile(Array("a\nb".utf8))
        defer { close(fd) }
        #expect(try readLines(fd: fd, chunk: 0).map(\.0) == [[0x61], [0x62]])
    }

    @Test func readFailureIsASetupError() {
        #expect(throws: SetupError.self) { _ = try readLines(fd: -1, chunk: 16) }
    }
}

@Suite struct LineReaderInputTests {
    @Test func anInputNamesItselfAndItsProblems() throws {
        let dir = testScratchRoot.appendingPathComponent("kdsl-input-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/in.jsonl"
        try Data("{}\n\n {\"a\":1}\r\n".utf8).write(to: URL(fileURLWithPath: path))
        let (name, lines) = try LineReader.withInput(path) { reader, name in
            var lines: [String] = []
            try reader.forEachLine { line, _ in lines.append(String(decoding: line, as: UTF8.self)) }
            return (name, lines)
        }
        #expect(name == path)
        #expect(lines == ["{}", "", " {\"a\":1}"])
        func message(_ path: String) -> String {
            do { try LineReader.withInput(path) { _, _ in }; return "" } catch { return "\(error)" }
        }
        #expect(message(dir) == "\(dir): is a directory")
        #expect(message(dir + "/missing") == "\(dir)/missing: No such file or directory")
        var located: [String] = []
        try RecordReader.forEachLine([path, path]) { _, location in located.append("\(location)") }
        #expect(located == ["\(path): line 1", "\(path): line 3", "\(path): line 1", "\(path): line 3"])
    }
}
