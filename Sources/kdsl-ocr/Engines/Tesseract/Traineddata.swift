#if canImport(Glibc)
import Glibc
#endif

/// Finding and loading the traineddata of the requested languages.
enum Traineddata {
    /// The language codes of a `+`-joined list (`chi_sim+eng` → `chi_sim`, `eng`).
    static func components(_ languages: String) -> [String] {
        languages.split(separator: "+").map(String.init).filter { !$0.isEmpty }
    }

    /// The Debian package providing a language's traineddata: `chi_sim` → `tesseract-ocr-chi-sim`.
    static func debianPackage(_ language: String) -> String {
        "tesseract-ocr-" + language.lowercased().split(separator: "_", omittingEmptySubsequences: false).joined(separator: "-")
    }

    /// Loads an engine; when Tesseract refuses, names the missing languages and their packages.
    static func loadEngine(datapath: String?, languages: String, psm: Int) throws(EngineSetupError) -> TesseractEngine {
        if components(languages).isEmpty { throw EngineSetupError("--lang: no language given") }
        let wanted = components(languages)
        var missing: [String]
        var dir = directory(datapath)
        do {
            let engine = try TesseractEngine(datapath: datapath, languages: languages, psm: psm)
            // With several languages Tesseract drops one it cannot find and carries on: refuse that.
            let loaded = Set(engine.loadedLanguages)
            missing = wanted.filter { !loaded.contains($0) }
            if missing.isEmpty { return engine }
            if let d = engine.datapath { dir = d; while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() } }
        } catch {
            missing = wanted.filter { access(dir + "/" + $0 + ".traineddata", R_OK) != 0 }
            if missing.isEmpty { throw error }
        }
        let names = missing.map { "'\($0)' (\($0).traineddata, Debian package \(debianPackage($0)))" }
            throw EngineSetupError("missing traineddata for language \(names.joined(separator: ", ")) in \(dir); "
                + "install it (apt-get install \(missing.map(debianPackage).joined(separator: " "))) or point --tessdata or TESSDATA_PREFIX at a directory holding it")
    }

    /// Where Tesseract looks: `--tessdata`, else `TESSDATA_PREFIX`, else the library's built-in path.
    static func directory(_ datapath: String?) -> String {
        var dir = datapath ?? getenv("TESSDATA_PREFIX").map { String(cString: $0) } ?? builtIn
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        return dir
    }

    /// Debian's libtesseract 5 default (its TESSDATA_PREFIX build setting).
    static let builtIn = "/usr/share/tesseract-ocr/5/tessdata"
}
