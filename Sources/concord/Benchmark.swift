import ConcordNN
import ConcordTensor
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Timing loops behind `concord bench`.
enum Benchmark {
    /// Which clock times the repetitions.
    enum Clock: String, CaseIterable, Sendable {
        /// Elapsed wall time.
        case wall
        /// CPU time of the calling thread: on a shared machine, time the thread spent descheduled is not counted.
        case cpu

        /// The current reading in seconds.
        func now() -> Double {
            var spec = timespec()
            clock_gettime(self == .wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
    }

    /// The median of `repetitions` timings of `body`, each running it `iterations` times; seconds per iteration.
    static func medianSeconds(totalSeconds: Double, clock: Clock, _ body: () throws -> Void) rethrows -> Double {
        try body()  // warm-up
        let probeStart = clock.now()
        try body()
        let once = max(1e-7, clock.now() - probeStart)
        let repetitions = 7
        let iterations = max(1, Int(totalSeconds / Double(repetitions) / once))
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let start = clock.now()
            for _ in 0..<iterations { try body() }
            samples.append((clock.now() - start) / Double(iterations))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Single-threaded SGEMM throughput for C[m×n] = A[m×k] · B[k×n].
    static func gemmGFLOPS(m: Int, k: Int, n: Int, seconds: Double, clock: Clock) -> Double {
        var g = SeededGenerator(seed: 1)
        let a = (0..<(m * k)).map { _ in g.nextUnitFloat() }
        let b = (0..<(k * n)).map { _ in g.nextUnitFloat() }
        var c = [Float](repeating: 0, count: m * n)
        let perCall = medianSeconds(totalSeconds: seconds, clock: clock) {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        GEMM.multiply(a.start, b.start, into: c.start, m: m, n: n, k: k)
                    }
                }
            }
        }
        return 2 * Double(m) * Double(n) * Double(k) / perCall / 1e9
    }

    /// Examples per second of whole SGD training steps on in-memory random MNIST-shaped batches.
    static func trainingThroughput(model name: String, batchSize: Int, seconds: Double, clock: Clock) throws -> Double {
        let model = try ModelZoo.make(name, seed: 1)
        let optimizer = SGD(learningRate: 0.01)
        var g = SeededGenerator(seed: 2)
        let batches = (0..<16).map { _ in
            (
                Tensor(shape: [batchSize, 28, 28, 1], scalars: (0..<(batchSize * 784)).map { _ in g.nextUnitFloat() }),
                (0..<batchSize).map { _ in Int32(g.next() % 10) }
            )
        }
        var next = 0
        let perStep = try medianSeconds(totalSeconds: seconds, clock: clock) {
            let (x, y) = batches[next % batches.count]
            next += 1
            try model.trainStep(inputs: x, labels: y, optimizer: optimizer)
        }
        return Double(batchSize) / perStep
    }
}
