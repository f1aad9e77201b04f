import JSONLines

#if canImport(Glibc)
import Glibc
#endif

/// Keeps Tesseract's OpenMP to one thread per engine.
///
/// With OpenMP threads on, Tesseract ran 2-10× slower here (the threads of several engines fight
/// over the cores). libgomp reads `OMP_THREAD_LIMIT` once, when it is loaded, which happens before
/// `main` because libtesseract links it: setting the variable inside the process is too late. So
/// the program sets it and re-executes itself; the new image loads libgomp with the limit in place.
enum ThreadLimit {
    static func ensureSingleThreadedOpenMP() {
        if let v = getenv("OMP_THREAD_LIMIT"), String(cString: v) == "1" { return }
        setenv("OMP_THREAD_LIMIT", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when re-execution is impossible (no /proc): run on, slower, and say so.
        Diagnostics.shared.warning("could not re-execute with OMP_THREAD_LIMIT=1 (\(String(cString: strerror(errno)))); set it in the environment for full speed")
    }
}
