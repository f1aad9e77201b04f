import Shared
#if canImport(Glibc)
import Glibc
#endif

/// Input lines not yet predicted: their bytes back to back, from one file.
struct LineBatch {
    var file: String?
    var bytes: [UInt8] = []
    /// Line i is bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]].
    var ends: [Int] = []
    var numbers: [Int] = []
    var count: Int { ends.count }

    mutating func append(_ line: UnsafeBufferPointer<UInt8>, number: Int) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
        numbers.append(number)
    }
}

/// What a batch became: its output lines, the problems to report, in input order.
struct PredictedBatch {
    var bytes: [UInt8] = []
    var problems: [(SourceLocation, String)] = []
    /// `--strict` stopped at a bad line: `bytes` ends with its error line, the run ends here.
    var stopped = false
    var failedImages = 0
}

/// `kdsl-model predict` over the inputs: every record with `model` added, in input order.
///
/// With one job, records are read, predicted and written one at a time (a live pipe sees each
/// answer at once). With more, the reading thread cuts the input into batches of lines, workers
/// (each with its own `Predictor`: the model is shared read-only) parse and predict whole
/// batches, and the reading thread writes finished batches in input order: a ring of
/// `4 × jobs` batches bounds the memory however long the stream. Problems are reported, exit
/// decisions made and the output written on the reading thread only, in input order, so the bytes
/// on stdout and stderr and the exit status are the same for any number of jobs.
struct PredictionStream {
    let options: StreamOptions
    let jobs: Int
    /// Makes one predictor per job (each owns its scratch buffers and image reader).
    let makePredictor: () -> Predictor
    /// Lines per batch with several jobs.
    var batchLines = 256

    func run() -> Never {
        runStage {
            let failed = jobs <= 1 ? try sequential() : try parallel()
            if failed > 0 {
                Diagnostics.shared.warning("\(failed) image(s) could not be read or decoded; their features are zero, records kept")
            }
        }
    }

    /// Predicts one line into `out` (with its newline); true when `--strict` must stop here.
    static func predict(_ line: UnsafeBufferPointer<UInt8>, at location: SourceLocation, with predictor: Predictor, strict: Bool,
                        into out: inout [UInt8], problems: inout [(SourceLocation, String)]) -> Bool {
        do {
            let record = try Record(line: line, location: location)
            if !predictor.appendFast(record, to: &out) {
                var general = record
                predictor.apply(&general)
                general.serialize(into: &out)
            }
            out.append(0x0A)
            return false
        } catch {
            let message = (error as? RecordError)?.message ?? "\(error)"
            problems.append((location, message))
            JSON.object([("error", errorObject(stage: Diagnostics.shared.stage, location: location, message: message, raw: Array(line)))]).serialize(into: &out)
            out.append(0x0A)
            return strict
        }
    }

    /// Writes a predicted batch and reports its problems; ends the run after a strict stop.
    static func emit(_ batch: PredictedBatch) {
        for (location, message) in batch.problems { Diagnostics.shared.recordError(message, at: location) }
        StandardOutput.shared.write(batch.bytes)
        StandardOutput.shared.endRecord()
        if batch.stopped { exitProcess(.badRecords) }
    }

    private func sequential() throws -> Int {
        let predictor = makePredictor()
        var out = PredictedBatch()
        try PredictionStream.forEachLine(options.inputs, live: { false }) { line, number, file in
            out.bytes.removeAll(keepingCapacity: true)
            out.problems.removeAll(keepingCapacity: true)
            out.stopped = PredictionStream.predict(line, at: SourceLocation(file: file, line: number), with: predictor, strict: options.strict,
                                                   into: &out.bytes, problems: &out.problems)
            PredictionStream.emit(out)
        }
        return predictor.reader.failedImages
    }

    private func parallel() throws -> Int {
        let pool = PredictionPool(jobs: jobs, window: 4 * jobs, strict: options.strict, makePredictor: makePredictor)
        var batch = LineBatch()
        var byteLimit = 1 << 20
        func submit() {
            if batch.count == 0 { return }
            pool.submit(batch)
            byteLimit = max(1 << 20, batch.bytes.count)
            batch = LineBatch()
            batch.bytes.reserveCapacity(byteLimit)
        }
        do {
            // `live`: before a read that may wait, hand out what is read so far, so that a slow
            // producer's records are answered without waiting for a full batch.
            try PredictionStream.forEachLine(options.inputs, live: { submit(); return true }) { line, number, file in
                if batch.count > 0 && batch.file != file { submit() }
                batch.file = file
                batch.append(line, number: number)
                if batch.count >= batchLines { submit() }
            }
            submit()
        } catch {
            // An unreadable input ends the run (exit 2) after everything before it is written.
            submit()
            _ = pool.finish()
            throw error
        }
        return pool.finish()
    }

    /// The non-blank lines of `inputs` (`-` or none: stdin) with their numbers and file names,
    /// as Shared's `RecordReader` reads them (same messages for an unreadable input).
    /// `live` is called before reading from a pipe or terminal that has nothing ready.
    static func forEachLine(_ inputs: [String], live: () -> Bool,
                            _ body: (UnsafeBufferPointer<UInt8>, Int, String?) throws -> Void) throws {
        for input in inputs.isEmpty ? ["-"] : inputs {
            let fd: Int32
            if input == "-" {
                fd = 0
            } else {
                fd = open(input, O_RDONLY)
                if fd < 0 { throw SetupError("\(input): \(String(cString: strerror(errno)))") }
            }
            defer { if fd != 0 { close(fd) } }
            var st = stat()
            let regular = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
            if fd != 0 && fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { throw SetupError("\(input): is a directory") }
            let name: String? = input == "-" ? nil : input
            var reader = LineReader(fd: fd)
            defer { reader.close() }
            var wantsLive = !regular
            while true {
                if wantsLive {
                    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    if poll(&p, 1, 0) == 0 { wantsLive = live() }
                }
                guard let (line, number) = try reader.nextLine() else { break }
                if isBlank(line) { continue }
                try body(line, number, name)
            }
        }
    }

    @inline(__always) static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where !(c == 0x20 || c == 0x09 || c == 0x0D) { return false }
        return true
    }

    /// The number of online cores (`sysconf`; `nproc` would honour OMP_THREAD_LIMIT instead).
    static var onlineCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

/// Worker threads predicting batches, handed back in input order (after kdsl-ocr's `OrderedPool`).
final class PredictionPool: @unchecked Sendable {
    private struct Slot {
        var input: LineBatch?
        var output = PredictedBatch()
        var done = false
    }
    private let window: Int
    private let strict: Bool
    private var slots: [Slot]
    private var head = 0, tail = 0, claim = 0
    private var shutdown = false
    private var failedImages = 0
    private var m = pthread_mutex_t()
    private var workAvailable = pthread_cond_t()
    private var progress = pthread_cond_t()
    private var threads: [pthread_t] = []

    init(jobs: Int, window: Int, strict: Bool, makePredictor: @escaping () -> Predictor) {
        self.window = max(window, 1)
        self.strict = strict
        self.slots = Array(repeating: Slot(), count: max(window, 1))
        pthread_mutex_init(&m, nil)
        pthread_cond_init(&workAvailable, nil)
        pthread_cond_init(&progress, nil)
        for _ in 0..<jobs {
            let box = Unmanaged.passRetained(WorkerStart(pool: self, make: makePredictor)).toOpaque()
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.pool.workerLoop(start.make())
                return nil
            }, box)
            if rc != 0 {
                Diagnostics.shared.emit("cannot start a worker thread: \(String(cString: strerror(rc)))")
                exitProcess(.setup)
            }
            threads.append(tid)
        }
    }

    /// Queues a batch, writing the finished ones at the head of the window meanwhile; waits while
    /// the window is full.
    func submit(_ batch: LineBatch) {
        pthread_mutex_lock(&m)
        while tail - head >= window {
            if !drainLocked() { pthread_cond_wait(&progress, &m) }
        }
        slots[tail % window] = Slot(input: batch)
        tail += 1
        pthread_cond_signal(&workAvailable)
        _ = drainLocked()
        pthread_mutex_unlock(&m)
    }

    /// Writes every queued batch, stops the workers; returns the images that failed to decode.
    func finish() -> Int {
        pthread_mutex_lock(&m)
        while head < tail {
            if !drainLocked() { pthread_cond_wait(&progress, &m) }
        }
        shutdown = true
        pthread_cond_broadcast(&workAvailable)
        pthread_mutex_unlock(&m)
        for t in threads { pthread_join(t, nil) }
        threads.removeAll()
        return failedImages
    }

    /// Writes the finished batches at the head of the window; true if any. Called with the lock
    /// held; releases it while writing so the workers keep going.
    private func drainLocked() -> Bool {
        var ready: [PredictedBatch] = []
        while head < tail && slots[head % window].done {
            ready.append(slots[head % window].output)
            slots[head % window] = Slot()
            head += 1
        }
        if ready.isEmpty { return false }
        pthread_mutex_unlock(&m)
        for batch in ready {
            failedImages += batch.failedImages
            PredictionStream.emit(batch)
        }
        pthread_mutex_lock(&m)
        return true
    }

    private func workerLoop(_ predictor: Predictor) {
        pthread_mutex_lock(&m)
        while true {
            while claim == tail && !shutdown { pthread_cond_wait(&workAvailable, &m) }
            if claim == tail { break }
            let i = claim
            claim += 1
            let batch = slots[i % window].input!
            slots[i % window].input = nil
            pthread_mutex_unlock(&m)
            var out = PredictedBatch()
            out.bytes.reserveCapacity(batch.bytes.count * 2)
            let before = predictor.reader.failedImages
            batch.bytes.withUnsafeBufferPointer { bytes in
                var start = 0
                for n in 0..<batch.count {
                    let line = UnsafeBufferPointer(rebasing: bytes[start..<batch.ends[n]])
                    start = batch.ends[n]
                    if PredictionStream.predict(line, at: SourceLocation(file: batch.file, line: batch.numbers[n]), with: predictor, strict: strict,
                                                into: &out.bytes, problems: &out.problems) {
                        out.stopped = true
                        break
                    }
                }
            }
            out.failedImages = predictor.reader.failedImages - before
            pthread_mutex_lock(&m)
            slots[i % window].output = out
            slots[i % window].done = true
            pthread_cond_signal(&progress)
        }
        pthread_mutex_unlock(&m)
    }
}

private final class WorkerStart {
    let pool: PredictionPool
    let make: () -> Predictor
    init(pool: PredictionPool, make: @escaping () -> Predictor) { self.pool = pool; self.make = make }
}
