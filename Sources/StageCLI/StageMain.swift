import ArgumentParser
import Shared
#if canImport(Glibc)
import Glibc
#endif

extension ParsableCommand {
    /// The entry point of every kdsl stage (`static func main() { stageMain() }`).
    ///
    /// It maps outcomes onto kdsl's exit statuses (docs/records.md): `--help`/`--version` print to
    /// stdout and exit 0; a usage error prints the message and usage to stderr and exits 2 (not
    /// ArgumentParser's 64); a `SetupError` thrown by the stage prints `kdsl-<stage>: message` and
    /// exits 2; otherwise the stage's own status (0 or 1) stands after stdout is flushed.
    public static func stageMain(_ arguments: [String]? = nil) -> Never {
        let name = configuration.commandName ?? "kdsl"
        Diagnostics.shared.stage = name
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exitProcess(Diagnostics.shared.status)
        } catch let error as SetupError {
            StandardOutput.shared.flush()
            Diagnostics.shared.emit(error.message)
            exitProcess(.setup)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { StandardOutput.shared.write(message + "\n") }
                exitProcess(.ok)
            }
            if let exit = error as? ExitCode {
                exitProcess(ExitStatus(rawValue: exit.rawValue) ?? .setup)
            }
            if !message.isEmpty { Diagnostics.shared.emit(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message) }
            exitProcess(.setup)
        }
    }
}
