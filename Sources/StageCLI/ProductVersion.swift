/// What `--version` prints, the same way for every stage: `kdsl-model 0.1.0 (commit abc1234)`,
/// then one line for each file format the stage reads and writes, or each engine it runs
/// (given by the stage to `stageMain(versionDetails:)`, and computed only when asked for).
public enum ProductVersion {
    /// The version of kdsl: one number for every stage, raised with each release.
    public static let number = "0.1.0"

    /// The git commit the build was made from (`git rev-parse --short HEAD`, recorded by the
    /// BuildCommit plugin before every build), or `unknown` for a build outside a git checkout.
    public static let commit = buildCommit

    /// The first line of `--version`, which is also the stage's `CommandConfiguration.version`.
    public static func line(_ stage: String) -> String { "\(stage) \(number) (commit \(commit))" }
}
