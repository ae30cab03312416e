import ConcordNN
import ConcordTensor
import ConcordTesting
import Foundation
import Testing

/// Seeded mutations of real safetensors files: each decodes to consistent tensors or throws; none traps.
@Suite("Safetensors fuzz")
struct SafetensorsFuzzTests {
    static let iterations = FuzzSettings.iterations(inSuite: 4_000)

    /// Tokens of the header's JSON, and numbers a header must not trust.
    static let dictionary: [[UInt8]] = [
        "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F16\"", "\"BF16\"",
        "\"F64\"", "[", "]", "{", "}", ",", ":", "\"", "\\u0000", "\\ud800", "-0", "1e309", "0.5",
        "1099511627776", "9223372036854775807", "18446744073709551615", "[0,0]", "[]", "null", "true",
        String(repeating: "[", count: 80),
    ].map { Array($0.utf8) }

    /// Files made by the real writer, plus one of each dtype it reads but does not write.
    static func seeds() throws -> [[UInt8]] {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let model = try ModelZoo.make("logreg", seed: 3)
        try Safetensors.write(model.stateDictionary(), metadata: ["format": "pt", "note": "é\n\"x\""], to: url)
        let written = try [UInt8](Data(contentsOf: url))
        let small = try Safetensors.encode([
            "a": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .infinity, -0, .nan]),
            "b": Tensor(shape: [], scalars: [7]),
            "z": Tensor(shape: [0, 4], scalars: []),
        ])
        let empty = try Safetensors.encode([:])
        let mixed = SafetensorsFixture.file(
            header: #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"#
                + #""g":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"#
                + #""d":{"dtype":"F64","shape":[1,1],"data_offsets":[6,14]}}"#,
            data: [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F] + SafetensorsFixture.littleEndian(Double(1.5).bitPattern))
        return [written, small, empty, mixed]
    }

    @Test("mutated safetensors files decode to tensors that fill their shapes, or throw")
    func mutations() throws {
        let report = fuzz(
            "safetensors", seeds: try Self.seeds(), iterations: Self.iterations, dictionary: Self.dictionary
        ) { input in
            let file = try Safetensors.decode(input)
            for (name, tensor) in file.tensors {
                guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.scalars.count == Tensor.elementCount(tensor.shape)
                else {
                    throw FuzzInvariantViolation("'\(name)' has \(tensor.scalars.count) scalars for \(tensor.shape)")
                }
                guard file.dtypes[name] != nil else { throw FuzzInvariantViolation("'\(name)' has no dtype") }
            }
            // What decodes writes again, and reads back bit for bit.
            let again = try Safetensors.decode(Safetensors.encode(file.tensors, metadata: file.metadata))
            guard
                again.tensors.mapValues({ $0.scalars.map(\.bitPattern) })
                    == file.tensors.mapValues({ $0.scalars.map(\.bitPattern) }),
                again.metadata == file.metadata
            else { throw FuzzInvariantViolation("the decoded file does not survive a write and a read") }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("a header length of 2^40 or UInt64.max is refused before allocating", arguments: [1 << 40, UInt64.max])
    func hugeHeaderLength(_ declared: UInt64) {
        let file = SafetensorsFixture.littleEndian(declared) + Array("{}".utf8)
        #expect(throws: SafetensorsError.headerTooLarge(declared: declared, limit: Safetensors.maxHeaderSize)) {
            try Safetensors.decode(file)
        }
    }

    @Test("a tensor that declares 2^40 bytes of data in a small file is refused before allocating")
    func hugeDeclaredTensor() {
        let file = SafetensorsFixture.file(
            header: #"{"t":{"dtype":"F32","shape":[274877906944],"data_offsets":[0,1099511627776]}}"#,
            data: [1, 2, 3, 4])
        #expect(throws: SafetensorsError.offsetsOutOfRange(tensor: "t", end: 1 << 40, bufferSize: 4)) {
            try Safetensors.decode(file)
        }
        let overflow = SafetensorsFixture.file(
            header: #"{"t":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: [])
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(overflow) }
    }
}
