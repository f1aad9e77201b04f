import Foundation
import Testing
import TestSupport

/// Every example in every `--help` runs, as jq tests its manual's. For each executable and each
/// subcommand its help lists, the "Example:" or "Examples:" block is read from the built binary's
/// help; each example in it (a line, with the lines after it while it ends in `\`) runs with bash,
/// in order, in a fresh copy of one fixture set: the files the examples name, built from the bundled
/// sample by Tests/fixtures/help/make-fixtures.sh (which says what each is). An example must exit
/// 0 (or N when it ends with `# exits N`), write something (on stdout or into a file) and leave no
/// empty file. Its lines are under 80 characters: ArgumentParser wraps a discussion line only when
/// it does not fit the terminal (80 columns when stdout is not one), so they print as written.
@Suite struct HelpExampleTests {
    static let executables = ["kdsl-ocr", "kdsl-embed", "kdsl-rules", "kdsl-model", "kdsl-merge", "kdsl-score", "kdsl-stream-bench"]
    static let width = 80

    /// The help of `command` (e.g. ["kdsl-rules", "apply"]) as printed on a terminal `columns` wide.
    static func help(_ command: [String], columns: Int = width) throws -> String {
        let run = try runTool(command[0], Array(command.dropFirst()) + ["--help"], environment: ["COLUMNS": String(columns)])
        guard run.status == 0, !run.out.isEmpty else { throw HelpError(command, "--help exited \(run.status): \(run.err)") }
        return run.out
    }

    /// Every executable, and under each the subcommands its help lists, theirs in turn.
    static func commands() throws -> [[String]] {
        func expand(_ command: [String]) throws -> [[String]] {
            try [command] + subcommands(in: help(command)).flatMap { try expand(command + [$0]) }
        }
        return try executables.flatMap { try expand([$0]) }
    }

    /// The names in a help's SUBCOMMANDS section.
    static func subcommands(in help: String) -> [String] {
        let lines = help.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// The lines of the help's "Example:"/"Examples:" block: the indented lines after the heading.
    static func exampleLines(in help: String) -> [String] {
        let lines = help.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0 == "Example:" || $0 == "Examples:" }) else { return [] }
        return Array(lines[(start + 1)...].prefix { $0.hasPrefix("  ") })
    }

    /// The examples of a block: each line, joined with the lines that follow it while it ends in `\`.
    static func examples(_ lines: [String]) -> [String] {
        var examples: [String] = []
        var continued = false
        for line in lines {
            if continued { examples[examples.count - 1] += "\n" + line } else { examples.append(line) }
            continued = line.hasSuffix("\\")
        }
        return examples.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The status an example says it exits with (`# exits N` at its end), else 0.
    static func expectedStatus(_ example: String) -> Int32 {
        guard let r = example.range(of: #"# exits [0-9]+$"#, options: .regularExpression) else { return 0 }
        return Int32(example[r].dropFirst("# exits ".count)) ?? 0
    }

    @Test func continuationLinesMakeOneExample() {
        let help = "Intro.\n\nExamples:\n  a --x \\\n    | b\n  c > out.txt # exits 1\n\nMore text.\n"
        let lines = Self.exampleLines(in: help)
        #expect(lines == ["  a --x \\", "    | b", "  c > out.txt # exits 1"])
        #expect(Self.examples(lines) == ["a --x \\\n    | b", "c > out.txt # exits 1"])
        #expect(Self.expectedStatus("c > out.txt # exits 1") == 1)
        #expect(Self.expectedStatus("a | b") == 0)
    }

    /// Every command has examples, of lines that fit 80 columns and that the help prints unwrapped.
    @Test func everyHelpHasExamplesThatFit() throws {
        let commands = try Self.commands()
        #expect(commands.count >= 14, "commands found: \(commands)")
        for command in commands {
            let name = command.joined(separator: " ")
            let wide = Self.exampleLines(in: try Self.help(command, columns: 1000))
            #expect(!wide.isEmpty, "\(name): no Example: block in its --help")
            // A line of 80 characters or more is wrapped at 80: its last space becomes a newline.
            for line in wide where line.count >= Self.width {
                Issue.record("\(name): example line of \(line.count) characters, not under \(Self.width): \(line)")
            }
            #expect(Self.exampleLines(in: try Self.help(command)) == wide, "\(name): the examples wrap at \(Self.width) columns")
        }
    }

    @Test func everyExampleRuns() throws {
        let temp = testScratchRoot.appendingPathComponent("kdsl-help-\(getpid())")
        try? FileManager.default.removeItem(at: temp)
        defer { try? FileManager.default.removeItem(at: temp) }
        let fixtures = temp.appendingPathComponent("fixtures")
        let bin = URL(fileURLWithPath: toolPath("kdsl-ocr")).deletingLastPathComponent().path
        let environment = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let script = repositoryRoot.appendingPathComponent("Tests/fixtures/help/make-fixtures.sh").path
        let made = try runTool("/bin/bash", [script, fixtures.path], environment: environment)
        try #require(made.status == 0, "make-fixtures.sh: \(made.err)")

        var ran = 0
        for (n, command) in try Self.commands().enumerated() {
            let name = command.joined(separator: " ")
            let work = temp.appendingPathComponent("\(n)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try #require(try runTool("/bin/cp", ["-a", fixtures.path + "/.", work.path]).status == 0)
            for example in Self.examples(Self.exampleLines(in: try Self.help(command))) {
                let before = try Self.files(in: work)
                let run = try runTool("/bin/bash", ["-o", "pipefail", "-c", example], directory: work, environment: environment)
                let after = try Self.files(in: work)
                let written = after.filter { before[$0.key] != $0.value }
                let context = "\(name) example:\n\(example)\nstderr: \(run.err.suffix(2000))"
                #expect(run.status == Self.expectedStatus(example), "exit \(run.status), \(context)")
                #expect(!run.stdout.isEmpty || !written.isEmpty, "no output on stdout nor in a file, \(context)")
                for (file, stat) in after where stat.size == 0 {
                    Issue.record("\(file) is empty after \(context)")
                }
                ran += 1
            }
        }
        #expect(ran >= 20)
    }

    /// The regular files of a folder (not what its links point to): name → (size, modification time).
    static func files(in folder: URL) throws -> [String: FileStat] {
        var files: [String: FileStat] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files[name] = FileStat(size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
                                   modified: attributes[.modificationDate] as? Date ?? .distantPast)
        }
        return files
    }

    struct FileStat: Equatable {
        let size: Int
        let modified: Date
    }

    /// The bash completion script of every stage is generated, is valid bash, names the
    /// subcommands and long flags its help lists, and completes the first of them from its start.
    @Test func bashCompletionScriptsAreValid() throws {
        for executable in Self.executables {
            let run = try runTool(executable, ["--generate-completion-script", "bash"])
            #expect(run.status == 0, "\(executable): \(run.err)")
            let script = testScratchRoot.appendingPathComponent("kdsl-completion-\(getpid())-\(executable)")
            try run.stdout.write(to: script)
            defer { try? FileManager.default.removeItem(at: script) }
            let check = try runTool("/bin/bash", ["-n", script.path])
            #expect(check.status == 0, "\(executable): bash -n: \(check.err)")
            let help = try Self.help([executable])
            let words = Self.subcommands(in: help) + Self.longFlags(in: help)
            #expect(!words.isEmpty)
            for word in words { #expect(run.out.contains(word), "\(executable): its completion script lacks \(word)") }
            // What bash does on TAB after `executable PREFIX`: it calls the function that the
            // script's `complete -F FUNCTION executable` names, with the line and cursor set.
            let registration = run.out.split(separator: "\n").first { $0.hasPrefix("complete ") }?.split(separator: " ")
            let function = try #require(registration.flatMap { r in r.firstIndex(of: "-F").map { String(r[$0 + 1]) } })
            let word = try #require(words.first)
            let prefix = String(word.prefix(4))
            let complete = try runTool("/bin/bash", ["-c", """
                shopt -s extglob; source '\(script.path)'
                COMP_LINE='\(executable) \(prefix)'; COMP_WORDS=(\(executable) \(prefix)); COMP_CWORD=1; COMP_POINT=${#COMP_LINE}
                \(function) \(executable) \(prefix) \(executable)
                printf '%s\\n' "${COMPREPLY[@]}"
                """])
            #expect(complete.lines.contains(word), "\(executable) \(prefix)<TAB>: \(complete.out) \(complete.err)")
        }
    }

    /// The long flags a help's OPTIONS section names (`--help` aside).
    static func longFlags(in help: String) -> [String] {
        let lines = help.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "OPTIONS:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }.filter { $0.hasPrefix("  -") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("--") && $0 != "--help" }
                .map { String($0.prefix { $0 != "," && $0 != "/" }) }
        }
    }
}

struct HelpError: Error, CustomStringConvertible {
    let description: String
    init(_ command: [String], _ message: String) { description = command.joined(separator: " ") + ": " + message }
}
