import ConcordNN
import Foundation

@testable import ConcordGovernance

enum ParameterLayoutFixture {
    static let small = ParameterLayout([.init(name: "fc.weight", shape: [4, 3]), .init(name: "fc.bias", shape: [3])])
}

/// The shared example record (built once: signing is the slow part).
enum Fixture {
    static let example: Result<GovernanceExample, any Error> = Result {
        try GovernanceExample.make(seed: 7, participantCount: 3, rounds: 2, quorum: 2, aggregateWitnesses: true)
    }

    static func get() throws -> GovernanceExample { try example.get() }
}

/// Runs python3 when it is installed; nil when it is not.
enum Python {
    static func run(_ arguments: [String], input: String? = nil) throws -> String? {
        guard let result = try execute(arguments, input: input) else { return nil }
        guard result.status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "python3 failed: \(result.stderr)"])
        }
        return result.stdout
    }

    static func available(module: String) -> Bool {
        ((try? execute(["-c", "import \(module)"])) ?? nil)?.status == 0
    }

    static func execute(
        _ arguments: [String], input: String? = nil
    ) throws -> (
        status: Int32, stdout: String, stderr: String
    )? {
        let candidates = ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        guard let python = (path + candidates).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }
}
