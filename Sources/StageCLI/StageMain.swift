import ArgumentParser
import JSONLines
#if canImport(Glibc)
import Glibc
#endif

extension ParsableCommand {
    /// The entry point of every kdsl stage (`static func main() { stageMain() }`), and the only
    /// place a kdsl process ends.
    ///
    /// It maps outcomes onto kdsl's exit statuses (docs/records.md): `--help`/`--version` print to
    /// stdout and exit 0; a usage error prints the message and usage to stderr and exits 2 (not
    /// ArgumentParser's 64); a `SetupError` (or any other error) thrown by the stage prints
    /// `kdsl-<stage>: message` and exits 2; `StageStop` exits 1; a run that returns exits 0, or 1
    /// when it reported bad records. Standard output is flushed first in every case but a closed
    /// pipe. The stage name in messages is the root command's name, set here once.
    ///
    /// `--version` prints the root's `CommandConfiguration.version` (`ProductVersion.line`)
    /// followed by `versionDetails()`, one line each, which is only called then (it may load an
    /// engine to ask its version).
    public static func stageMain(_ arguments: [String]? = nil, versionDetails: () -> [String] = { [] }) -> Never {
        Diagnostics.shared.stage = configuration.commandName ?? "kdsl"
        StageEnd.install { reason in
            switch reason {
            case .strictStop: endProcess(.badRecords)
            case .setupFailure(let message): endProcess(.setup, message: message)
            case .outputClosed: _exit(ExitStatus.ok.rawValue)
            }
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            endForArgumentParser(error, versionDetails: versionDetails)
        }
        do {
            try command.run()
        } catch let error as SetupError {
            endProcess(.setup, message: error.message)
        } catch is StageStop {
            endProcess(.badRecords)
        } catch {
            // `--help` arrives here too (ArgumentParser runs a help command); any other error is
            // printed as ArgumentParser would and exits 2.
            endForArgumentParser(error)
        }
        endProcess(Diagnostics.shared.status)
    }

    /// `--help`, `--version`, usage errors and any other error, in ArgumentParser's words, with
    /// kdsl's statuses.
    private static func endForArgumentParser(_ error: any Error, versionDetails: () -> [String] = { [] }) -> Never {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            // ArgumentParser answers `--version` with the root's version line, which no help text equals.
            let version = !message.isEmpty && message == configuration.version
            let lines = [message] + (version ? versionDetails() : [])
            if !message.isEmpty { StandardOutput.shared.write(lines.joined(separator: "\n") + "\n") }
            endProcess(.ok)
        }
        if let exit = error as? ExitCode { endProcess(ExitStatus(rawValue: exit.rawValue) ?? .setup) }
        endProcess(.setup, message: message.isEmpty ? nil : message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
    }
}

/// Flushes what the stage wrote, prints `message` on stderr (after the output, so a pipe's
/// records come first), and exits with `status`.
private func endProcess(_ status: ExitStatus, message: String? = nil) -> Never {
    StandardOutput.shared.flush()
    if let message { Diagnostics.shared.emit(message) }
    StandardOutput.shared.finish()
    exit(status.rawValue)
}
