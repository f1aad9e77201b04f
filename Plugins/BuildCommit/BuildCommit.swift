import Foundation
import PackagePlugin

/// Records the git commit the binaries are built from, for `--version` (StageCLI's
/// `ProductVersion.commit`): before every build, a generated `BuildCommit.swift` gets
/// `let buildCommit = "abc1234"` (`git rev-parse --short HEAD`), or `"unknown"` when the
/// package is not a git checkout of its own (a tarball, even one unpacked inside another
/// repository) or git is missing, so such a build still compiles. The file is only rewritten
/// when the commit changed, so an unchanged checkout recompiles nothing.
@main
struct BuildCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [.prebuildCommand(displayName: "Recording the git commit for --version",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", Self.script, "sh", context.package.directoryURL.path, output.path],
                                 environment: [:], outputFilesDirectory: output)]
    }

    /// `sh -c script sh ROOT OUT`. A prebuild command runs on every build: it only asks git two
    /// questions (a few milliseconds).
    static let script = #"""
        root=$1 out=$2 commit=unknown
        mkdir -p "$out" || exit 1
        if command -v git >/dev/null 2>&1 \
           && top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) \
           && [ "$top" = "$(cd "$root" && pwd -P)" ]; then
          commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null) || commit=unknown
        fi
        case $commit in ''|*[!0-9a-f]*) commit=unknown ;; esac
        text="let buildCommit = \"$commit\""
        file=$out/BuildCommit.swift
        [ -f "$file" ] && [ "$(cat "$file")" = "$text" ] || printf '%s\n' "$text" > "$file"
        """#
}
