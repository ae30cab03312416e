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

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
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
