// swift-tools-version:6.0
// kdsl: Knowledge-Decoupled Synergetic Learning as Unix filters over JSON Lines.
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// One executable per stage; each is a thin command over its own concept files and Shared.
func stage(_ name: String, _ extra: [Target.Dependency] = []) -> Target {
    .executableTarget(name: name, dependencies: ["Shared", "StageCLI", argumentParser] + extra, path: "Sources/\(name)")
}

let package = Package(
    name: "kdsl",
    products: [
        .executable(name: "kdsl-score", targets: ["kdsl-score"]),
        .executable(name: "kdsl-ocr", targets: ["kdsl-ocr"]),
        .executable(name: "kdsl-rules", targets: ["kdsl-rules"]),
        .executable(name: "kdsl-model", targets: ["kdsl-model"]),
        .executable(name: "kdsl-merge", targets: ["kdsl-merge"]),
        .executable(name: "kdsl-stream-bench", targets: ["kdsl-stream-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CJansson", path: "Sources/CJansson"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CTesseract", path: "Sources/CTesseract"),
        .target(name: "Shared", dependencies: ["CJansson"], path: "Sources/Shared"),
        .target(name: "StageCLI", dependencies: ["Shared", argumentParser], path: "Sources/StageCLI"),
        stage("kdsl-score"),
        stage("kdsl-ocr", ["CTesseract"]),
        stage("kdsl-rules"),
        stage("kdsl-model", ["COpenBLAS", "CTesseract"]),
        stage("kdsl-merge"),
        stage("kdsl-stream-bench"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SharedTests", dependencies: ["Shared", "CJansson"], path: "Tests/SharedTests"),
        .testTarget(name: "ScoreTests", dependencies: ["TestSupport", "kdsl-score", "Shared"], path: "Tests/ScoreTests"),
        .testTarget(name: "OCRTests", dependencies: ["TestSupport", "kdsl-ocr", "Shared"], path: "Tests/OCRTests"),
        .testTarget(name: "RulesTests", dependencies: ["TestSupport", "kdsl-rules", "Shared"], path: "Tests/RulesTests"),
        .testTarget(name: "ModelTests", dependencies: ["TestSupport", "kdsl-model", "Shared"], path: "Tests/ModelTests"),
        .testTarget(name: "MergeTests", dependencies: ["TestSupport", "kdsl-merge", "Shared"], path: "Tests/MergeTests"),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Shared"], path: "Tests/CLITests"),
    ]
)
