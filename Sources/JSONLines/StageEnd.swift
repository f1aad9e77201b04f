/// How a stage's run stops early, thrown from anywhere in its pass. StageCLI's `stageMain` is
/// the only code that turns this (and `SetupError`, and a normal return) into an exit status.
public enum StageStop: Error, Sendable {
    /// `--strict`: the first bad record was reported and the run stopped there (exit 1).
    case strict
    /// The input's problems were reported one by one (e.g. every bad line of a rule file):
    /// exit 1 without counting them as records.
    case badInput
}

/// Ending the process from code that cannot return to the entry point: the parallel filter's
/// writer thread (a strict stop or a failure found while the main thread may be blocked reading
/// a slow producer) and standard output's flush (its reader closed the pipe, or a write failed).
/// `stageMain` installs the handler at start-up and so still decides every exit status.
public enum StageEnd {
    public enum Reason: Sendable {
        /// `--strict` stopped at a bad record.
        case strictStop
        /// The run cannot go on: the message to print (exit 2).
        case setupFailure(String)
        /// Standard output's reader closed it: stop quietly (exit 0), nothing more to write.
        case outputClosed
    }

    nonisolated(unsafe) private static var handler: ((Reason) -> Never)?

    /// Installs the entry point's ending; called once, before any stage code runs.
    public static func install(_ end: @escaping (Reason) -> Never) { handler = end }

    /// Ends the process for `reason` through the installed handler.
    public static func now(_ reason: Reason) -> Never {
        guard let handler else { fatalError("StageEnd.now(\(reason)) before the entry point installed its handler") }
        handler(reason)
    }
}
