import Foundation

/// Runs the `concord` executable built alongside the tests.
enum Concord {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable: next to the test bundle in SwiftPM's products directory.
    static var executable: URL {
        get throws {
            var directory = Bundle.main.bundleURL
            if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
            for candidate in [directory, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
                let url = candidate.appendingPathComponent("concord")
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
            throw CocoaError(
                .fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory.appendingPathComponent("concord").path])
        }
    }

    /// Runs `concord` with `arguments` to its end. Waiting happens on threads of its own, never on Swift's
    /// cooperative pool: a test that blocked a pool thread for a long run would starve every other test of
    /// the suite (the pool has one thread per core), and their deadlines would pass.
    ///
    /// - Parameter addressSpaceKiB: when set, `concord` runs under `ulimit -v` of that many KiB (through
    ///   /bin/sh), so that a refusal for want of memory is this machine's own.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], addressSpaceKiB: Int? = nil
    ) async throws -> Result {
        let process = Process()
        if let addressSpaceKiB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "ulimit -v \(addressSpaceKiB) && exec \"$0\" \"$@\"", try executable.path] + arguments
        } else {
            process.executableURL = try executable
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        async let outData = onThread { out.fileHandleForReading.readDataToEndOfFile() }
        async let errData = onThread { err.fileHandleForReading.readDataToEndOfFile() }
        let (stdout, stderr) = await (outData, errData)
        await onThread { process.waitUntilExit() }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Runs `body`, which blocks, on a thread of its own and returns its result without holding a thread of
/// Swift's cooperative pool meanwhile.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// A tiny MNIST-layout IDX directory whose classes are easy to tell apart (class k lights row 2k+4).
enum TinyMNIST {
    static func write(trainCount: Int, testCount: Int) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var seed: UInt64 = 42
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 33
        }
        for (prefix, count) in [("train", trainCount), ("t10k", testCount)] {
            var images = header(magic: 0x0803, dims: [count, 28, 28])
            var labels = header(magic: 0x0801, dims: [count])
            for _ in 0..<count {
                let label = Int(next() % 10)
                labels.append(UInt8(label))
                var pixels = (0..<784).map { _ in UInt8(next() % 40) }
                for x in 0..<28 { pixels[(2 * label + 4) * 28 + x] = 255 }
                images.append(contentsOf: pixels)
            }
            try Data(images).write(to: directory.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try Data(labels).write(to: directory.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
        return directory
    }

    private static func header(magic: UInt32, dims: [Int]) -> [UInt8] {
        var bytes = withUnsafeBytes(of: magic.bigEndian) { Array($0) }
        for d in dims { bytes += withUnsafeBytes(of: UInt32(d).bigEndian) { Array($0) } }
        return bytes
    }
}
