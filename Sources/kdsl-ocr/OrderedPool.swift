import Shared

#if canImport(Glibc)
import Glibc
#endif

/// One record's place in the reorder window.
struct Slot {
    /// The record still to OCR, with its image paths; nil once finished or when nothing is to do.
    var pending: (record: Record, paths: [String])?
    /// The finished output line, newline included.
    var line: [UInt8] = []
    /// Problems to report, in order, when the line is written.
    var problems: [(SourceLocation, String)] = []
    var done = false
}

/// Runs records through worker threads and hands them back in input order.
///
/// A ring of `window` slots bounds the memory: the reader blocks when the oldest unfinished record
/// is `window` records behind, so a million-record stream holds at most `window` records at once.
/// Each worker owns one engine for its whole life (Tesseract engines are not thread-safe, and
/// loading one costs far more than recognising a screenshot). Output, stderr messages and exit
/// decisions all happen on the calling thread, in input order, so runs are reproducible.
final class OrderedPool: @unchecked Sendable {
    typealias Work = (Record, [String], TesseractEngine) -> Slot
    typealias Emit = (Slot) -> Void

    private let window: Int
    private var slots: [Slot]
    private var head = 0, tail = 0, claim = 0
    private var shutdown = false
    private var m = pthread_mutex_t()
    private var workAvailable = pthread_cond_t()
    private var progress = pthread_cond_t()
    private var threads: [pthread_t] = []
    private let work: Work
    private let emit: Emit

    /// Starts one thread per engine maker. `makeEngine(i)` runs on worker `i`'s own thread, so the
    /// engines load in parallel; a worker whose engine fails to load ends the process (exit 2).
    init(engines makers: [() throws -> TesseractEngine], window: Int, work: @escaping Work, emit: @escaping Emit) {
        self.window = max(window, 1)
        self.slots = Array(repeating: Slot(), count: max(window, 1))
        self.work = work
        self.emit = emit
        pthread_mutex_init(&m, nil)
        pthread_cond_init(&workAvailable, nil)
        pthread_cond_init(&progress, nil)
        for make in makers {
            let box = Unmanaged.passRetained(WorkerStart(pool: self, make: make)).toOpaque()
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            // Tesseract's recogniser recurses on large pages: give it room.
            pthread_attr_setstacksize(&attr, 16 << 20)
            var tid = pthread_t()
            let rc = pthread_create(&tid, &attr, { raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.pool.workerLoop(start.make)
                return nil
            }, box)
            pthread_attr_destroy(&attr)
            if rc != 0 {
                Diagnostics.shared.emit("cannot start a worker thread: \(String(cString: strerror(rc)))")
                exitProcess(.setup)
            }
            threads.append(tid)
        }
    }

    /// Queues one slot (already `done` when no OCR is needed), emitting finished ones in order.
    func submit(_ slot: Slot) {
        pthread_mutex_lock(&m)
        while tail - head >= window {
            if !drainLocked() { pthread_cond_wait(&progress, &m) }
        }
        slots[tail % window] = slot
        tail += 1
        pthread_cond_signal(&workAvailable)
        _ = drainLocked()
        pthread_mutex_unlock(&m)
    }

    /// Waits for every queued slot, emits them, and stops the workers.
    func finish() {
        pthread_mutex_lock(&m)
        while head < tail {
            if !drainLocked() { pthread_cond_wait(&progress, &m) }
        }
        shutdown = true
        pthread_cond_broadcast(&workAvailable)
        pthread_mutex_unlock(&m)
        for t in threads { pthread_join(t, nil) }
    }

    /// Emits the finished slots at the head of the window; true if it emitted any. Called with the
    /// lock held; releases it while emitting so workers keep going.
    private func drainLocked() -> Bool {
        var ready: [Slot] = []
        while head < tail && slots[head % window].done {
            ready.append(slots[head % window])
            slots[head % window] = Slot()
            head += 1
        }
        if ready.isEmpty { return false }
        pthread_mutex_unlock(&m)
        for slot in ready { emit(slot) }
        pthread_mutex_lock(&m)
        return true
    }

    private func workerLoop(_ make: () throws -> TesseractEngine) {
        let engine: TesseractEngine
        do { engine = try make() } catch {
            Diagnostics.shared.emit("\(error)")
            exitProcess(.setup)
        }
        pthread_mutex_lock(&m)
        while true {
            while claim == tail && !shutdown { pthread_cond_wait(&workAvailable, &m) }
            if claim == tail { break }
            let i = claim
            claim += 1
            guard let (record, paths) = slots[i % window].pending else { continue }
            pthread_mutex_unlock(&m)
            var result = work(record, paths, engine)
            result.done = true
            result.pending = nil
            pthread_mutex_lock(&m)
            slots[i % window] = result
            pthread_cond_signal(&progress)
        }
        pthread_mutex_unlock(&m)
    }
}

private final class WorkerStart {
    let pool: OrderedPool
    let make: () throws -> TesseractEngine
    init(pool: OrderedPool, make: @escaping () throws -> TesseractEngine) { self.pool = pool; self.make = make }
}
