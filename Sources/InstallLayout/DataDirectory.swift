internal import CInstallLayout

#if canImport(Glibc)
import Glibc
#endif

/// The folder the stages load their runtime and models from, with the sub-layout deps/fetch.sh
/// makes and `make install` copies: `openvino/lib/` (libopenvino_c.so and what it loads),
/// `ppocr/` (the PP-OCR models), `e5/` (the E5 embedding weights).
///
/// It is resolved once per process, in this order:
/// 1. `<dir of the running executable>/../share/kdsl/`, when that folder exists: the binary was
///    installed (`make install PREFIX=...`) and its data beside it. The executable's path is
///    `/proc/self/exe` with every symbolic link resolved, so a link to an installed binary
///    (e.g. /usr/bin/kdsl-ocr → /opt/kdsl/bin/kdsl-ocr) finds /opt/kdsl/share/kdsl/.
/// 2. The deps folder the build was configured with (KDSL_DEPS at build time, else the
///    checkout's .deps/): binaries run from `.build/`.
///
/// An environment variable naming one file or folder (KDSL_PPOCR_MODELS, KDSL_OPENVINO_LIB,
/// KDSL_E5_MODEL) takes precedence over both: `locate(_:override:)`.
public enum DataDirectory {
    /// Where the folder came from.
    public enum Origin: String, Sendable {
        /// share/kdsl/ beside the installed executable's bin/.
        case installed
        /// The deps folder compiled into the build.
        case build
    }

    /// The resolved folder (no trailing slash) and where it came from, computed on first use.
    public static let resolved: (path: String, origin: Origin) = resolve(executable: executablePath())

    /// The folder the data is read from (no trailing slash).
    public static var path: String { resolved.path }

    /// Whether the data comes from an installed share/kdsl/ (else from the build's deps folder).
    public static var isInstalled: Bool { resolved.origin == .installed }

    /// The value of the environment variable `name` when it is set and not empty, else nil.
    public static func environment(_ name: String) -> String? {
        guard let v = getenv(name), v.pointee != 0 else { return nil }
        return String(cString: v)
    }

    /// The path of `relative` (e.g. "ppocr" or "e5/e5-small-q4.bin") in the data folder, unless
    /// the environment variable `variable` is set and not empty: then its value, as given.
    /// Nothing is checked here; the caller reports a missing file with the path it tried.
    public static func locate(_ relative: String, override variable: String) -> String {
        environment(variable) ?? path + "/" + relative
    }

    /// What a user does to get a missing or damaged file back: reinstall, for an installed
    /// binary; `make deps` in the checkout, for one run from the build.
    public static var remedy: String {
        isInstalled ? "reinstall kdsl (`make install` from its checkout puts it in \(path))"
                    : "run `make deps` in the kdsl checkout"
    }

    /// The running executable's path with every symbolic link resolved, or nil when
    /// /proc/self/exe cannot be read (no /proc).
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath("/proc/self/exe", &buffer) != nil else { return nil }
        return String(cString: buffer)
    }

    /// The data folder for an executable at `executable` (an absolute path with links resolved,
    /// or nil when unknown): `<its dir>/../share/kdsl` when that is a folder, else the build's
    /// deps folder.
    public static func resolve(executable: String?) -> (path: String, origin: Origin) {
        if let executable, let installed = installedDirectory(executable: executable), isDirectory(installed) {
            return (installed, .installed)
        }
        return (buildDirectory, .build)
    }

    /// `<dir of executable>/../share/kdsl`, spelled without `..` (the executable's folder's
    /// parent), or nil when the executable has no parent folder to look beside.
    public static func installedDirectory(executable: String) -> String? {
        var parts = executable.split(separator: "/", omittingEmptySubsequences: true)
        guard executable.hasPrefix("/"), parts.count >= 2 else { return nil }
        parts.removeLast(2)  // the file name, then its bin/ folder
        return "/" + (parts.map(String.init) + ["share", "kdsl"]).joined(separator: "/")
    }

    /// The deps folder compiled into this build (KDSL_DEPS at build time, else the checkout's .deps).
    public static var buildDirectory: String {
        let s = String(cString: kdsl_build_deps_dir())
        return s.count > 1 && s.hasSuffix("/") ? String(s.dropLast()) : s
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
