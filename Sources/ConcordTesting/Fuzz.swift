import ConcordTensor
import Foundation

/// Thrown by a fuzz body when a parser returned a value that breaks an invariant (a tensor whose scalars do not
/// fill its shape): unlike any other error, it fails the run.
public struct FuzzInvariantViolation: Error, CustomStringConvertible {
    /// What is wrong with the parsed value.
    public let reason: String

    /// Creates a violation.
    public init(_ reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }
}

/// One input that failed a fuzz run: it broke an invariant or ran too long.
public struct FuzzFailure: Sendable, CustomStringConvertible {
    /// The run's name.
    public let name: String
    /// The input's number in the run (replay it with `CONCORD_FUZZ_REPLAY`).
    public let iteration: Int
    /// The run's seed (`CONCORD_FUZZ_SEED`).
    public let seed: UInt64
    /// What went wrong.
    public let reason: String
    /// The input.
    public let input: [UInt8]
    /// Where the input was written, if it could be.
    public let file: String?

    /// The failure, its input's first bytes in hex, and how to replay it.
    public var description: String {
        let hex = input.prefix(64).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        return "fuzz \(name) input #\(iteration): \(reason); input (\(input.count) bytes, starts \(hex))"
            + (file.map { " written to \($0)" } ?? "")
            + "; replay: CONCORD_FUZZ_SEED=\(seed) CONCORD_FUZZ_REPLAY=\(iteration)"
    }
}

/// What a fuzz run did: how many inputs it ran, how many parsed and how many were refused with an error, the
/// failures, and the slowest input's time.
public struct FuzzReport: Sendable, CustomStringConvertible {
    /// The run's name.
    public let name: String
    /// The run's seed.
    public let seed: UInt64
    /// Inputs run.
    public internal(set) var inputs = 0
    /// Inputs the parser accepted.
    public internal(set) var accepted = 0
    /// Inputs the parser refused with an error.
    public internal(set) var refused = 0
    /// Inputs that broke an invariant or ran too long.
    public internal(set) var failures: [FuzzFailure] = []
    /// The most CPU time any one input took.
    public internal(set) var slowest: Duration = .zero
    /// The whole run's time.
    public internal(set) var elapsed: Duration = .zero

    /// One line for logs and `scripts/fuzz.sh`: "fuzz NAME: N inputs, A parsed, R refused, F failures, crashes 0…".
    public var description: String {
        func milliseconds(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return String(format: "%.1f", Double(seconds) * 1e3 + Double(attoseconds) / 1e15)
        }
        return "fuzz \(name): \(inputs) inputs, \(accepted) parsed, \(refused) refused with an error, "
            + "\(failures.count) failures, crashes 0, slowest \(milliseconds(slowest)) ms, "
            + "total \(milliseconds(elapsed)) ms, seed \(seed)"
    }
}

/// How many inputs fuzz runs make, from the environment: `CONCORD_FUZZ_ITERATIONS` (inputs per parser),
/// `CONCORD_FUZZ_SEED` (the seed) and `CONCORD_FUZZ_REPLAY` (run only that input number).
public enum FuzzSettings {
    /// The seed runs use unless `CONCORD_FUZZ_SEED` says otherwise.
    public static let defaultSeed: UInt64 = 0x5EED_F022

    /// `CONCORD_FUZZ_ITERATIONS` when set to a positive integer, else `inSuite`.
    public static func iterations(inSuite: Int) -> Int {
        environment("CONCORD_FUZZ_ITERATIONS").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? inSuite
    }

    /// `CONCORD_FUZZ_SEED`, else ``defaultSeed``.
    public static var seed: UInt64 { environment("CONCORD_FUZZ_SEED").flatMap { UInt64($0) } ?? defaultSeed }

    /// `CONCORD_FUZZ_REPLAY`: the one input number to run.
    public static var replay: Int? { environment("CONCORD_FUZZ_REPLAY").flatMap { Int($0) } }

    private static func environment(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
}

/// Runs `body` on each seed, then on mutations of the seeds, and reports what happened.
///
/// Input `i` (from 0) is seed `i` while there are seeds, then a mutation drawn from a generator derived from
/// `seed` and `i` alone, so any one input can be made again (`CONCORD_FUZZ_REPLAY=i`). `body` parses its input:
/// returning or throwing any error is a pass (hostile bytes get an error), throwing ``FuzzInvariantViolation`` is
/// a failure, and so is taking longer than `timeLimit`. A trap cannot be caught: the crash handler writes the
/// input to `<temporary directory>/concord-fuzz-<name>.crash` and names it on standard error first.
///
/// - Parameters:
///   - name: the run's name, in the report and the files it writes.
///   - seeds: valid inputs, made by the real writers.
///   - iterations: how many inputs to run, seeds included (see ``FuzzSettings/iterations(inSuite:)``).
///   - seed: the seed of every mutation.
///   - dictionary: tokens the mutator inserts (for text formats).
///   - maxLength: the longest input made.
///   - timeLimit: the most CPU time one input may take.
///   - body: parses one input.
/// - Returns: the report; its ``FuzzReport/failures`` should be empty.
public func fuzz(
    _ name: String, seeds: [[UInt8]], iterations: Int, seed: UInt64 = FuzzSettings.seed,
    dictionary: [[UInt8]] = [], maxLength: Int = 1 << 16, timeLimit: Duration = .seconds(5),
    _ body: ([UInt8]) throws -> Void
) -> FuzzReport {
    var report = FuzzReport(name: name, seed: seed)
    let corpus = seeds.isEmpty ? [[]] : seeds
    let directory = FileManager.default.temporaryDirectory.path
    let slot = FuzzCrashRecorder.claim(
        name: name, seed: seed, path: "\(directory)/concord-fuzz-\(name).crash",
        capacity: max(maxLength, corpus.map(\.count).max() ?? 0))
    defer { if let slot { FuzzCrashRecorder.release(slot) } }
    let root = SeededGenerator(seed: seed)
    let clock = ContinuousClock()
    let start = clock.now
    let numbers = FuzzSettings.replay.map { $0..<($0 + 1) } ?? 0..<iterations
    for iteration in numbers {
        let input = fuzzInput(iteration, corpus: corpus, root: root, dictionary: dictionary, maxLength: maxLength)
        if let slot { FuzzCrashRecorder.begin(slot, iteration: iteration, input: input) }
        // The thread's CPU time, not the wall clock: a hang spins, while a loaded or paused machine (a virtual
        // machine's host can stop it for seconds) only stretches the wall clock.
        let began = FuzzCrashRecorder.threadCPUTime()
        var problem: String?
        do {
            try body(input)
            report.accepted += 1
        } catch let violation as FuzzInvariantViolation {
            problem = violation.reason
        } catch {
            report.refused += 1
        }
        let took = Duration.nanoseconds(Int64(FuzzCrashRecorder.threadCPUTime() &- began))
        if let slot { FuzzCrashRecorder.end(slot) }
        report.inputs += 1
        report.slowest = max(report.slowest, took)
        if problem == nil, took > timeLimit { problem = "took \(took), over the \(timeLimit) limit (a hang?)" }
        if let problem, report.failures.count < 10 {
            let path = "\(directory)/concord-fuzz-\(name)-\(iteration).bin"
            let written = FileManager.default.createFile(atPath: path, contents: Data(input))
            report.failures.append(
                FuzzFailure(
                    name: name, iteration: iteration, seed: seed, reason: problem, input: input,
                    file: written ? path : nil))
        }
    }
    report.elapsed = clock.now - start
    print(report)
    return report
}

/// Input `iteration` of a run: a seed, or a mutation of one (sometimes of a mutation) from a generator that
/// depends only on the run's seed and the number.
private func fuzzInput(
    _ iteration: Int, corpus: [[UInt8]], root: SeededGenerator, dictionary: [[UInt8]], maxLength: Int
) -> [UInt8] {
    if iteration < corpus.count { return corpus[iteration] }
    var mutator = Mutator(generator: root.derived(UInt64(iteration)), dictionary: dictionary, maxLength: maxLength)
    let base = corpus[mutator.below(corpus.count)]
    let other = corpus[mutator.below(corpus.count)]
    var input = mutator.mutate(base, splice: other)
    if mutator.below(4) == 0 { input = mutator.mutate(input, splice: other) }
    return input
}
