#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A message about one record for stderr: a problem (counted, exit 1) or a warning.
typealias RecordReport = (location: SourceLocation, message: String, warning: Bool)

/// Reports `reports` in order on stderr (`Diagnostics`), counting the problems.
func emitReports(_ reports: [RecordReport]) {
    for (location, message, warning) in reports {
        if warning { Diagnostics.shared.warning(message, at: location) } else { Diagnostics.shared.recordError(message, at: location) }
    }
}

/// What a transform hands back for one record besides its edits to the record.
public struct RecordOutput {
    /// The stream's output so far; a transform may only append (see `writeRecord`).
    var bytes: [UInt8] = []
    /// Set when the transform wrote the record itself.
    var wrote = false
    /// Problems of this record that do not stop it being written as it is (e.g. an unreadable
    /// image: the record keeps its other results). Each is reported as `line N: message` and
    /// counted (the run exits 1); `--strict` stops after writing this record.
    public var problems: [String] = []
    /// Warnings about this record that do not make it bad (e.g. an image kdsl-model could not
    /// read: the record is kept with zero image features). Each is reported as
    /// `line N: warning: message`, in input order with the problems; the exit status is unchanged.
    public var warnings: [String] = []

    /// For a stage with a faster writer than `Record.serialize`: `body` appends the finished
    /// record's line (no newline) and returns true, or appends nothing and returns false, in
    /// which case the stream writes `record` as edited. Returns what `body` returned.
    @discardableResult
    public mutating func writeRecord(_ body: (inout [UInt8]) throws -> Bool) rethrows -> Bool {
        let wrote = try body(&bytes)
        self.wrote = self.wrote || wrote
        return wrote
    }
}

/// One worker's work on a record: edit it (usually one `set`); throw `RecordError` to forward it
/// with an `error` field (reported, exit 1, `--strict` stops).
public typealias RecordTransform = (inout Record, inout RecordOutput) throws -> Void

/// A worker's work on a whole batch before its records are transformed one by one (an encoder
/// runs one pass over every text of the batch): it receives the batch's records that parse, in
/// input order, and the transform is then called on exactly those records, in the same order
/// (fewer when `--strict` stops the batch early).
public typealias BatchPreparation = ([Record]) -> Void

/// A one-record-in, one-record-out stage run on several threads with the output in input order.
///
/// Contract: the same as `runFilter` for every `jobs` — the same bytes on stdout and stderr and
/// the same exit status; bad lines are forwarded with `error`, problems reported in input order,
/// `--strict` stops after the first bad record, a closed pipe ends quietly. With one job it *is*
/// `runFilter`: records are read, transformed and written one at a time on the calling thread.
/// With more, the calling thread cuts the input into batches of `batchLines` lines; each worker
/// owns the transform `makeTransform` made on its thread (a predictor, an OCR engine: per-worker
/// state needs no lock); a writer thread writes finished batches in input order and reports their
/// problems. At most `batchesPerJob × jobs` batches wait or are worked on at once, plus the one
/// being written, and they hold at most `bytesPerJob × jobs` bytes of input (a batch is cut at
/// `batchBytes`, and one batch always goes, however large its line), so memory stays flat however
/// long the stream and however long its lines: counting lines alone, 300 records of 6.8 MB held
/// 3.65 GB at 2 jobs. When the input is a pipe with
/// nothing ready, the lines read so far are handed out at once, so a slow producer's records are
/// answered without waiting for a full batch.
public struct ParallelFilter {
    /// Inputs and `--strict`.
    public var options: StreamOptions
    /// Worker threads; 1 runs everything on the calling thread.
    public var jobs: Int
    /// Lines per batch: many for cheap records (less locking), 1 for records that take seconds.
    public var batchLines = 256
    /// Batches in flight per job: enough to keep every worker busy while the head one finishes.
    public var batchesPerJob = 4
    /// A batch goes to the workers once its lines hold this many bytes, whatever their number
    /// (256 lines of everyday records are tens of kilobytes: this cuts only long lines' batches).
    public var batchBytes = 1 << 20
    /// Input bytes in flight per job (queued, being worked on, or waiting to be written).
    public var bytesPerJob = 16 << 20
    /// Write each record (or batch) out as soon as it is in order, for stages whose records take
    /// long (OCR: a second and more): a write a record costs nothing there, and a finished record
    /// never waits behind a slow one that follows it.
    public var flushEachRecord = false
    /// Cut batches only every `batchLines` records and at the end of an input, never because the
    /// reader waits for a slow producer: a batch's records then depend on the input alone, the
    /// same for any `jobs` and any timing (a stage whose results depend on a batch's composition
    /// needs it; its records wait for their batch to fill). One job then runs on a worker thread.
    public var fixedBatches = false

    /// A filter over `options.inputs` with `jobs` workers (at least 1).
    public init(_ options: StreamOptions, jobs: Int) {
        self.options = options
        self.jobs = max(jobs, 1)
    }

    /// The number of online cores (`sysconf`; `nproc` would honour OMP_THREAD_LIMIT instead): the
    /// default `--jobs` of the stages whose work is worth a thread per core (ocr, embed, predict),
    /// and the one place kdsl asks the system for it.
    public static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Runs over the inputs and returns once every record is written. Exits the process itself
    /// only under `--strict` (status 1) or on a failed write; throws `SetupError` for an
    /// unreadable input (after writing every record before it) and whatever `makeTransform`
    /// throws (before writing anything).
    public func run(_ makeTransform: @escaping () throws -> RecordTransform) throws {
        if jobs == 1 && !fixedBatches {
            try runInline(try makeTransform())
        } else {
            try runParallel(makeTransform, sink: OrderedBatches.writeToStandardOutput)
        }
    }

    /// As `run`, with each worker's `prepare` called on every batch before its records are
    /// transformed (`BatchPreparation`). Batches are those of the parallel form, also for one job.
    public func run(preparing makeWork: @escaping () throws -> (prepare: BatchPreparation, transform: RecordTransform)) throws {
        try runParallel({ let w = try makeWork(); return (w.prepare, w.transform) } as () throws -> (BatchPreparation?, RecordTransform),
                        sink: OrderedBatches.writeToStandardOutput)
    }

    /// `runFilter`'s loop: one record (a plain local, reloaded in place for every line: no
    /// allocation, no copy) transformed and serialised straight into the output buffer.
    func runInline(_ transform: RecordTransform) throws {
        let output = StandardOutput.shared
        let diagnostics = Diagnostics.shared
        var record = Record()
        var out = RecordOutput()
        var problems: [RecordReport] = []
        let stage = diagnostics.stage
        try RecordReader.forEachInput(options.inputs) { reader, name in
            // Before waiting on a slow producer, what is buffered goes out: a record is never held
            // back for one that has not arrived.
            while let (line, number) = try reader.nextLine(beforeWaiting: output.flush) {
                if RecordReader.isBlank(line) { continue }
                // The record is serialised straight into the output buffer, borrowed for the
                // record (not accessed throughout: the transform's own accesses stay cheap).
                output.append { swap(&$0, &out.bytes) }
                let bad: Bool
                do {
                    bad = try ParallelFilter.process(line, at: SourceLocation(file: name, line: number), record: &record,
                                                     stage: stage, transform: transform, out: &out, problems: &problems)
                } catch {
                    output.append { swap(&$0, &out.bytes) }
                    throw error
                }
                output.append { swap(&$0, &out.bytes) }
                if !problems.isEmpty {
                    emitReports(problems)
                    problems.removeAll(keepingCapacity: true)
                }
                if bad && options.strict { throw StageStop.strict }
                if flushEachRecord { output.flush() } else { output.endRecord() }
            }
        }
    }

    /// Reads `line` into `record`, transforms it and appends the output line (newline included)
    /// to `out.bytes`, exactly as `runFilter` does (a bad line forwarded as `BadLine` writes it);
    /// appends the record's problems, then its warnings, to `problems`. Returns true when the
    /// record is bad (`--strict` stops after it).
    /// Errors other than `RecordError` from `transform` propagate (the run ends with exit 2).
    /// `stage` is `Diagnostics.shared.stage`, read once per run rather than per record.
    static func process(_ line: UnsafeBufferPointer<UInt8>, at location: SourceLocation, record: inout Record, stage: String,
                        transform: RecordTransform, out: inout RecordOutput, problems: inout [RecordReport]) throws -> Bool {
        do {
            try record.reload(line: line, location: location)
        } catch let error as RecordError {
            problems.append((location, error.message, false))
            BadLine.malformed(MalformedLine(bytes: Array(line), location: location, message: error.message)).appendForwarded(stage: stage, into: &out.bytes)
            out.bytes.append(0x0A)
            return true
        }
        let start = out.bytes.count
        out.wrote = false
        out.problems.removeAll(keepingCapacity: true)
        out.warnings.removeAll(keepingCapacity: true)
        do {
            try transform(&record, &out)
        } catch let error as RecordError {
            out.bytes.removeSubrange(start...)
            problems.append((record.location, error.message, false))
            BadLine.failed(record, message: error.message).appendForwarded(stage: stage, into: &out.bytes)
            out.bytes.append(0x0A)
            return true
        }
        if !out.wrote { record.serialize(into: &out.bytes) }
        out.bytes.append(0x0A)
        for message in out.problems { problems.append((record.location, message, false)) }
        for message in out.warnings { problems.append((record.location, message, true)) }
        return !out.problems.isEmpty
    }

    /// The batched form without a batch preparation.
    func runParallel(_ makeTransform: @escaping () throws -> RecordTransform, sink: @escaping (FinishedBatch) -> Void) throws {
        try runParallel({ (nil, try makeTransform()) } as () throws -> (BatchPreparation?, RecordTransform), sink: sink)
    }

    /// The batched form; `sink` receives finished batches in input order on the writer thread.
    func runParallel(_ makeTransform: @escaping () throws -> (BatchPreparation?, RecordTransform), sink: @escaping (FinishedBatch) -> Void) throws {
        let pool = OrderedBatches(jobs: jobs, window: batchesPerJob * jobs, maxBytes: bytesPerJob * jobs, strict: options.strict,
                                  makeTransform: makeTransform, sink: sink)
        try pool.start()
        let flushEach = flushEachRecord
        var batch = LineBatch()
        var waiting = false
        // Whether a batch went out without a flush after it: a batch that filled up just before
        // the reader waits must still be flushed once written, so an empty batch carries the flush.
        var unflushed = false
        func submit() {
            if batch.count == 0 && !(waiting && unflushed) { return }
            if fixedBatches && waiting {
                // The batch keeps filling; what was written before it is flushed.
                if unflushed {
                    var flush = LineBatch()
                    flush.flushAfter = true
                    pool.submit(flush)
                    unflushed = false
                }
                return
            }
            batch.flushAfter = waiting || flushEach
            unflushed = !(waiting || flushEach)
            let (size, file) = (batch.bytes.count, batch.file)
            pool.submit(batch)
            batch = LineBatch()
            batch.file = file
            batch.bytes.reserveCapacity(size)
        }
        do {
            try RecordReader.forEachInput(options.inputs) { reader, name in
                if batch.count > 0 { submit() }  // a batch holds the lines of one input
                batch.file = name
                // Before waiting on a slow producer, the batch goes out, and its output is
                // flushed once written: a record is never held back for one that has not arrived.
                while let (line, number) = try reader.nextLine(beforeWaiting: { waiting = true; submit(); waiting = false }) {
                    if RecordReader.isBlank(line) { continue }
                    batch.append(line, number: number)
                    if batch.count >= batchLines || batch.bytes.count >= batchBytes { submit() }
                }
            }
        } catch {
            // An unreadable input ends the run (exit 2) after every record before it is written.
            submit()
            pool.finish()
            throw error
        }
        submit()
        pool.finish()
    }
}

/// Input lines not yet transformed: their bytes back to back, all from one input.
struct LineBatch {
    var file: String?
    var bytes: [UInt8] = []
    /// Line i is bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]].
    var ends: [Int] = []
    var numbers: [Int] = []
    var count: Int { ends.count }
    /// The reader waits for input after this batch: flush the output once it is written.
    var flushAfter = false

    mutating func append(_ line: UnsafeBufferPointer<UInt8>, number: Int) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
        numbers.append(number)
    }
}

/// What a batch became: its output lines and problems (and warnings) in input order.
struct FinishedBatch {
    var bytes: [UInt8] = []
    var problems: [RecordReport] = []
    /// `--strict` stopped at a bad record: `bytes` ends with it and the run ends here.
    var stopped = false
    /// A transform threw something other than `RecordError`: the run ends with exit 2 after `bytes`.
    var failure: (any Error)?
    /// Written last before the reader waited for input: flush after writing it.
    var flush = false
}

/// The ring of batches between the reading thread, the workers and the writer thread.
final class OrderedBatches: @unchecked Sendable {
    private struct Slot {
        var input: LineBatch?
        var output: FinishedBatch?
        /// The input's bytes, counted in `bytesInFlight` until the batch is written.
        var size = 0
    }
    private let jobs: Int
    private let window: Int
    private let maxBytes: Int
    private var bytesInFlight = 0
    /// The most input bytes in flight at once (tests).
    private(set) var peakBytesInFlight = 0
    private let strict: Bool
    private let makeTransform: () throws -> (BatchPreparation?, RecordTransform)
    private let sink: (FinishedBatch) -> Void
    private var slots: [Slot]
    /// head: next batch to write; claim: next to transform; tail: next free slot.
    private var head = 0, claim = 0, tail = 0
    private var closed = false
    private var started = 0
    private var setupFailure: (any Error)?
    private var m = pthread_mutex_t()
    private var workAvailable = pthread_cond_t(), batchDone = pthread_cond_t(), spaceFree = pthread_cond_t()
    private var threads: [pthread_t] = []

    init(jobs: Int, window: Int, maxBytes: Int = .max, strict: Bool, makeTransform: @escaping () throws -> (BatchPreparation?, RecordTransform),
         sink: @escaping (FinishedBatch) -> Void) {
        self.jobs = jobs
        self.window = max(window, 1)
        self.maxBytes = maxBytes
        self.strict = strict
        self.makeTransform = makeTransform
        self.sink = sink
        self.slots = Array(repeating: Slot(), count: max(window, 1))
        pthread_mutex_init(&m, nil)
        pthread_cond_init(&workAvailable, nil)
        pthread_cond_init(&batchDone, nil)
        pthread_cond_init(&spaceFree, nil)
    }

    /// Writes a finished batch and reports its problems; after a strict stop or a failure it ends
    /// the process (`StageEnd`: the main thread may be blocked reading a slow producer), with the
    /// status the one-job loop's thrown error gets.
    static func writeToStandardOutput(_ batch: FinishedBatch) {
        emitReports(batch.problems)
        StandardOutput.shared.write(batch.bytes)
        if batch.flush { StandardOutput.shared.flush() } else { StandardOutput.shared.endRecord() }
        if batch.stopped { StageEnd.now(.strictStop) }
        if let failure = batch.failure { StageEnd.now(.setupFailure((failure as? SetupError)?.message ?? "\(failure)")) }
    }

    /// Starts the workers, each making its transform on its own thread (so OCR engines load in
    /// parallel), then the writer; throws the first factory error, with every thread stopped.
    func start() throws {
        for _ in 0..<jobs { spawn { $0.workerLoop() } }
        pthread_mutex_lock(&m)
        while started < jobs { pthread_cond_wait(&spaceFree, &m) }
        let failure = setupFailure
        pthread_mutex_unlock(&m)
        if let failure {
            finish()
            throw failure
        }
        spawn { $0.writerLoop() }
    }

    /// Queues a batch; waits while the window is full, in batches or in bytes (a batch is always
    /// taken when nothing is in flight, so one line longer than the budget still goes).
    func submit(_ batch: LineBatch) {
        pthread_mutex_lock(&m)
        let size = batch.bytes.count
        while tail - head >= window || (tail > head && bytesInFlight + size > maxBytes) { pthread_cond_wait(&spaceFree, &m) }
        slots[tail % window] = Slot(input: batch, size: size)
        bytesInFlight += size
        peakBytesInFlight = max(peakBytesInFlight, bytesInFlight)
        tail += 1
        pthread_cond_signal(&workAvailable)
        pthread_mutex_unlock(&m)
    }

    /// Waits until every queued batch is written, then stops the threads.
    func finish() {
        pthread_mutex_lock(&m)
        closed = true
        pthread_cond_broadcast(&workAvailable)
        pthread_cond_broadcast(&batchDone)
        pthread_mutex_unlock(&m)
        for t in threads { pthread_join(t, nil) }
        threads.removeAll()
    }

    private func spawn(_ body: @escaping (OrderedBatches) -> Void) {
        let box = Unmanaged.passRetained(ThreadStart(pool: self, body: body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        // Workers run library code that recurses deeply on large inputs (Tesseract on big
        // pages): give them at least a main thread's stack. It is address space, not memory.
        pthread_attr_setstacksize(&attr, 16 << 20)
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { raw in
            let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
            start.body(start.pool)
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            StageEnd.now(.setupFailure("cannot start a worker thread: \(String(cString: strerror(rc)))"))
        }
        threads.append(tid)
    }

    private func workerLoop() {
        let prepare: BatchPreparation?, transform: RecordTransform
        do {
            (prepare, transform) = try makeTransform()
        } catch {
            pthread_mutex_lock(&m)
            if setupFailure == nil { setupFailure = error }
            started += 1
            pthread_cond_broadcast(&spaceFree)
            pthread_mutex_unlock(&m)
            return
        }
        var record = Record()
        var out = RecordOutput()
        let stage = Diagnostics.shared.stage
        pthread_mutex_lock(&m)
        started += 1
        pthread_cond_broadcast(&spaceFree)
        while true {
            while claim == tail && !closed && setupFailure == nil { pthread_cond_wait(&workAvailable, &m) }
            if claim == tail || setupFailure != nil { break }
            let i = claim
            claim += 1
            let batch = slots[i % window].input!
            slots[i % window].input = nil
            pthread_mutex_unlock(&m)
            var done = FinishedBatch()
            done.flush = batch.flushAfter
            out.bytes = []
            out.bytes.reserveCapacity(batch.bytes.count * 2)
            batch.bytes.withUnsafeBufferPointer { bytes in
                if let prepare {
                    // The records that parse, as `process` will read them again one by one.
                    var records: [Record] = []
                    var start = 0
                    for n in 0..<batch.count {
                        let line = UnsafeBufferPointer(rebasing: bytes[start..<batch.ends[n]])
                        start = batch.ends[n]
                        var r = Record()
                        if (try? r.reload(line: line, location: SourceLocation(file: batch.file, line: batch.numbers[n]))) != nil { records.append(r) }
                    }
                    prepare(records)
                }
                var start = 0
                for n in 0..<batch.count {
                    let line = UnsafeBufferPointer(rebasing: bytes[start..<batch.ends[n]])
                    start = batch.ends[n]
                    do {
                        let bad = try ParallelFilter.process(line, at: SourceLocation(file: batch.file, line: batch.numbers[n]), record: &record,
                                                             stage: stage, transform: transform, out: &out, problems: &done.problems)
                        if bad && strict { done.stopped = true; break }
                    } catch {
                        done.failure = error
                        break
                    }
                }
            }
            done.bytes = out.bytes
            pthread_mutex_lock(&m)
            slots[i % window].output = done
            if i == head { pthread_cond_signal(&batchDone) }
        }
        pthread_mutex_unlock(&m)
    }

    private func writerLoop() {
        pthread_mutex_lock(&m)
        while true {
            while !(head < tail && slots[head % window].output != nil) && !(closed && head == tail) {
                pthread_cond_wait(&batchDone, &m)
            }
            if head == tail { break }  // closed and all written
            let done = slots[head % window].output!
            bytesInFlight -= slots[head % window].size
            slots[head % window] = Slot()
            head += 1
            pthread_cond_signal(&spaceFree)
            pthread_mutex_unlock(&m)
            sink(done)
            pthread_mutex_lock(&m)
        }
        pthread_mutex_unlock(&m)
    }
}

private final class ThreadStart {
    let pool: OrderedBatches
    let body: (OrderedBatches) -> Void
    init(pool: OrderedBatches, body: @escaping (OrderedBatches) -> Void) { self.pool = pool; self.body = body }
}
