import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps the input each running fuzz loop is on where a crash handler can reach it, so a trap in a parser (which
/// no `catch` sees) still leaves the input behind: written to a file in the temporary directory, with a line on
/// standard error naming the loop, its seed and the input's number. A watchdog thread aborts the process (and so
/// writes the same) when one input has used more than ``hangLimit`` of CPU time: a parser loop that does not
/// advance. CPU time, read from the looping thread's own clock, and not the wall clock: a machine that is loaded,
/// or a virtual machine its host pauses, stretches the wall clock of an input that is not hanging at all.
///
/// Several loops may run at once (Swift Testing runs suites in parallel); each claims a slot. The handler writes
/// every active slot, since it cannot know which thread trapped.
enum FuzzCrashRecorder {
    /// How much CPU time one input may use before the watchdog calls it a hang and aborts.
    static let hangLimit: Duration = .seconds(30)

    /// One running loop: its input's bytes and what to print about it, in memory the handler reads without
    /// allocating.
    struct Slot {
        var active = false
        /// The message's first part, as a C string: "fuzz <name> (seed S) crashed on input #".
        var banner: UnsafeMutablePointer<CChar>?
        /// Where the input is written, as a C string.
        var path: UnsafeMutablePointer<CChar>?
        var iteration = 0
        var input: UnsafeMutablePointer<UInt8>?
        var inputCount = 0
        var inputCapacity = 0
        /// The looping thread's CPU-time clock.
        var clock = clockid_t()
        /// That clock's reading when the current input started, in nanoseconds.
        var started: UInt64 = 0
    }

    static let slotCount = 32
    /// The slots; written by the loops (each its own slot), read by the handler and the watchdog.
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<Slot> = {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(), count: slotCount)
        return slots
    }()
    private static let claims = Mutex<Set<Int>>([])
    private static let installed = Mutex(false)

    /// Claims a slot for a loop, installing the handlers on first use; nil when every slot is taken (the loop then
    /// runs without crash records).
    static func claim(name: String, seed: UInt64, path: String, capacity: Int) -> Int? {
        installOnce()
        let index = claims.withLock { taken -> Int? in
            guard let free = (0..<slotCount).first(where: { !taken.contains($0) }) else { return nil }
            taken.insert(free)
            return free
        }
        guard let index else { return nil }
        let banner =
            "fuzz \(name) (CONCORD_FUZZ_SEED=\(seed)) crashed or hung; its input was written to \(path); "
            + "replay it with CONCORD_FUZZ_REPLAY="
        slots[index] = Slot(
            active: false, banner: strdup(banner), path: strdup(path), iteration: 0,
            input: .allocate(capacity: max(1, capacity)), inputCount: 0, inputCapacity: max(1, capacity), started: 0)
        return index
    }

    /// Notes the input slot `index`'s loop is about to run.
    static func begin(_ index: Int, iteration: Int, input: [UInt8]) {
        let count = min(input.count, slots[index].inputCapacity)
        input.withUnsafeBufferPointer { source in
            if let base = source.baseAddress, let target = slots[index].input {
                target.update(from: base, count: count)
            }
        }
        slots[index].inputCount = count
        slots[index].iteration = iteration
        #if os(Linux)
            var clock = clockid_t()
            if pthread_getcpuclockid(pthread_self(), &clock) != 0 { clock = CLOCK_THREAD_CPUTIME_ID }
        #else
            let clock = CLOCK_THREAD_CPUTIME_ID  // another thread's clock cannot be read here: no watchdog
        #endif
        slots[index].clock = clock
        slots[index].started = read(clock)
        slots[index].active = true
    }

    /// Notes that the slot's input finished.
    static func end(_ index: Int) { slots[index].active = false }

    /// Frees a slot.
    static func release(_ index: Int) {
        slots[index].active = false
        free(slots[index].banner)
        free(slots[index].path)
        slots[index].input?.deallocate()
        slots[index] = Slot()
        _ = claims.withLock { $0.remove(index) }
    }

    /// The CPU time the calling thread has used, in nanoseconds.
    package static func threadCPUTime() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }

    /// A clock's reading in nanoseconds; 0 when it cannot be read (the thread it belongs to has ended).
    static func read(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return 0 }
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private static func installOnce() {
        let first = installed.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] { install(signal) }
        #if os(Linux)
            let watchdog = Thread { watch() }
            watchdog.name = "concord-fuzz-watchdog"
            watchdog.start()
        #endif
    }

    private static func watch() {
        let limit = UInt64(hangLimit.components.seconds) * 1_000_000_000
        while true {
            usleep(200_000)
            for index in 0..<slotCount where slots[index].active {
                let used = read(slots[index].clock)
                guard used > slots[index].started, used - slots[index].started > limit else { continue }
                writeStandardError("fuzz: one input has used more than \(hangLimit) of CPU time; aborting\n")
                abort()
            }
        }
    }
}

// MARK: The handler

/// The actions that were installed before ours, by signal number; ours chains to them after writing.
nonisolated(unsafe) private var previousActions: [sigaction] = Array(repeating: sigaction(), count: 65)

private func install(_ signal: Int32) {
    var action = sigaction()
    #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = fuzzCrashHandler
    #else
        action.__sigaction_handler.sa_handler = fuzzCrashHandler
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    var previous = sigaction()
    sigaction(signal, &action, &previous)
    previousActions[Int(signal)] = previous
}

/// Writes every active slot's input and message, then hands the signal to whoever handled it before.
private func fuzzCrashHandler(_ signal: Int32) {
    for index in 0..<FuzzCrashRecorder.slotCount where FuzzCrashRecorder.slots[index].active {
        let slot = FuzzCrashRecorder.slots[index]
        if let path = slot.path, let input = slot.input {
            let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if file >= 0 {
                _ = write(file, input, slot.inputCount)
                close(file)
            }
        }
        if let banner = slot.banner { _ = write(2, banner, strlen(banner)) }
        writeDecimal(slot.iteration)
        _ = write(2, "\n", 1)
    }
    var previous = previousActions[Int(signal)]
    sigaction(signal, &previous, nil)
    raise(signal)
}

/// Writes a non-negative number to standard error without allocating.
private func writeDecimal(_ value: Int) {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of stack, enough for any Int
    withUnsafeMutableBytes(of: &digits) { buffer in
        var position = buffer.count
        var rest = max(0, value)
        repeat {
            position -= 1
            buffer[position] = UInt8(48 + rest % 10)
            rest /= 10
        } while rest > 0 && position > 0
        if let base = buffer.baseAddress { _ = write(2, base + position, buffer.count - position) }
    }
}

private func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
