import ConcordNN
import ConcordTensor
import Foundation
import Testing

@Suite("Safetensors files on disk")
struct SafetensorsFileTests {
    @Test func writeThenReadRoundTripsAndLeavesNoTemporaryFile() throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")

        try Safetensors.write(SafetensorsFixture.sampleTensors, metadata: SafetensorsFixture.sampleMetadata, to: url)
        let file = try Safetensors.read(from: url)
        #expect(file.tensors == SafetensorsFixture.sampleTensors)
        #expect(file.metadata == SafetensorsFixture.sampleMetadata)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        let onDisk = try Data(contentsOf: url)
        let encoded = try Safetensors.encode(
            SafetensorsFixture.sampleTensors, metadata: SafetensorsFixture.sampleMetadata)
        #expect(Array(onDisk) == encoded)
    }

    @Test func writeReplacesAnExistingFile() throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")

        try Safetensors.write(["old": Tensor(shape: [1], scalars: [1])], to: url)
        try Safetensors.write(["new": Tensor(shape: [2], scalars: [2, 3])], to: url)
        #expect(try Safetensors.read(from: url).tensors == ["new": Tensor(shape: [2], scalars: [2, 3])])
    }

    @Test func failedEncodeLeavesTheOldFileIntact() throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")

        try Safetensors.write(["w": Tensor(shape: [1], scalars: [5])], to: url)
        #expect(throws: SafetensorsError.reservedName("__metadata__")) {
            try Safetensors.write(["__metadata__": Tensor(shape: [1], scalars: [0])], to: url)
        }
        #expect(try Safetensors.read(from: url).tensors == ["w": Tensor(shape: [1], scalars: [5])])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test func writeIntoMissingDirectoryThrowsIOError() throws {
        let directory = try SafetensorsFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("absent/model.safetensors")

        let error = #expect(throws: SafetensorsError.self) { try Safetensors.write([:], to: url) }
        guard case .io(let path, _)? = error else {
            Issue.record("expected .io, got \(String(describing: error))"); return
        }
        #expect(path == url.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func readingAMissingFileThrowsIOError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "absent-\(UUID().uuidString).safetensors")
        let error = #expect(throws: SafetensorsError.self) { try Safetensors.read(from: url) }
        guard case .io(let path, _)? = error else {
            Issue.record("expected .io, got \(String(describing: error))"); return
        }
        #expect(path == url.path)
    }
}
