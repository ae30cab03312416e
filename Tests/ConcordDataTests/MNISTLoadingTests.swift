import ConcordData
import Foundation
import Testing

@Suite("MNIST loading from a directory")
struct MNISTLoadingTests {
    /// How each of the four files is stored.
    enum Storage: String, CaseIterable, Sendable {
        case raw, gzip, mixed
    }

    /// Writes a valid fixture directory; with `.mixed`, the label files are raw and the images gzipped.
    static func writeFixture(_ storage: Storage, trainCount: Int = 3, testCount: Int = 2) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for (name, bytes) in Fixtures.mnistFiles(trainCount: trainCount, testCount: testCount) {
            let compress = storage == .gzip || (storage == .mixed && name.contains("images"))
            try directory.write(compress ? Fixtures.gzip(bytes) : bytes, to: compress ? name + ".gz" : name)
        }
        return directory
    }

    @Test("round-trips features and labels", arguments: Storage.allCases)
    func roundTrip(storage: Storage) throws {
        let directory = try Self.writeFixture(storage)
        defer { directory.remove() }
        let split = try MNIST.load(directory: directory.url)

        #expect(split.train.count == 3)
        #expect(split.test.count == 2)
        #expect(split.train.features.shape == [3, 28, 28, 1])
        #expect(split.test.exampleShape == [28, 28, 1])
        #expect(split.train.classCount == 10)
        #expect(split.train.labels == Fixtures.labels(count: 3).map(Int32.init))
        #expect(split.test.labels == Fixtures.labels(count: 2, seed: 7).map(Int32.init))
        #expect(split.train.features.scalars == Fixtures.pixels(count: 3).map { Float($0) / 255 })
        #expect(split.test.features.scalars == Fixtures.pixels(count: 2, seed: 5).map { Float($0) / 255 })
    }

    @Test("prefers the uncompressed file when both names exist")
    func prefersRaw() throws {
        let directory = try Self.writeFixture(.raw)
        defer { directory.remove() }
        try directory.write([0xde, 0xad], to: MNIST.trainLabelsFile + ".gz")
        #expect(try MNIST.load(directory: directory.url).train.count == 3)
    }

    @Test("loads through DatasetSource.directory")
    func directorySource() throws {
        let directory = try Self.writeFixture(.gzip)
        defer { directory.remove() }
        let source = DatasetSource(argument: directory.url.path)
        #expect(source == .directory(directory.url))
        #expect(try source.load().test.count == 2)
    }

    @Test("rejects a damaged directory with an error naming the file", arguments: Corruption.allCases)
    func corruption(_ corruption: Corruption) throws {
        let directory = try Self.writeFixture(corruption.storage)
        defer { directory.remove() }
        try corruption.apply(to: directory)

        let error = #expect(throws: DataError.self) { try MNIST.load(directory: directory.url) }
        let unwrapped = try #require(error)
        #expect(corruption.matches(unwrapped), "unexpected error: \(unwrapped)")
        #expect(unwrapped.description.contains(corruption.file), "message does not name the file: \(unwrapped)")
    }

    /// One way to damage a fixture directory, the error it must cause, and the file it must name.
    enum Corruption: CaseIterable, CustomTestStringConvertible {
        case truncatedHeader, truncatedPayload, badMagic, wrongDataType, trailingBytes
        case garbageGzip, truncatedGzip, countMismatch, missingFile, labelOutOfRange
        case wrongImageDimensions, wrongLabelRank, overflowingDimensions

        var testDescription: String { "\(self)" }

        var storage: Storage {
            switch self {
            case .garbageGzip, .truncatedGzip: .gzip
            default: .raw
            }
        }

        /// The file the error message must mention.
        var file: String {
            switch self {
            case .truncatedHeader, .truncatedPayload, .overflowingDimensions: MNIST.trainImagesFile
            case .badMagic, .wrongImageDimensions: MNIST.testImagesFile
            case .wrongDataType, .labelOutOfRange, .trailingBytes: MNIST.trainLabelsFile
            case .garbageGzip: MNIST.testLabelsFile + ".gz"
            case .truncatedGzip: MNIST.trainImagesFile + ".gz"
            case .countMismatch, .missingFile, .wrongLabelRank: MNIST.testLabelsFile
            }
        }

        func apply(to directory: TemporaryDirectory) throws {
            let valid = Fixtures.mnistFiles()
            let original = valid[file] ?? []
            switch self {
            case .truncatedHeader: try directory.write(Array(original.prefix(10)), to: file)
            case .truncatedPayload: try directory.write(Array(original.dropLast(100)), to: file)
            case .trailingBytes: try directory.write(original + [0], to: file)
            case .badMagic: try directory.write([0x12, 0x34] + original.dropFirst(2), to: file)
            case .wrongDataType:
                var bytes = original
                bytes[2] = 0x0D
                try directory.write(bytes, to: file)
            case .garbageGzip:
                try directory.write([0x1f, 0x8b] + (0..<40).map { UInt8($0 * 5 + 1) }, to: file)
            case .truncatedGzip:
                let compressed = try Fixtures.gzip(valid[MNIST.trainImagesFile] ?? [])
                try directory.write(Array(compressed.prefix(compressed.count / 2)), to: file)
            case .countMismatch:
                try directory.write(Fixtures.idx(dimensions: [3], elements: [1, 2, 3]), to: file)
            case .missingFile:
                try FileManager.default.removeItem(at: directory.url.appendingPathComponent(file))
            case .labelOutOfRange:
                try directory.write(Fixtures.idx(dimensions: [3], elements: [1, 10, 2]), to: file)
            case .wrongImageDimensions:
                try directory.write(
                    Fixtures.idx(dimensions: [2, 28, 27], elements: Fixtures.pixels(count: 2).dropLast(56)),
                    to: file)
            case .wrongLabelRank:
                try directory.write(Fixtures.idx(dimensions: [2, 1], elements: [1, 2]), to: file)
            case .overflowingDimensions:
                try directory.write(Fixtures.idx(dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 28], elements: []), to: file)
            }
        }

        func matches(_ error: DataError) -> Bool {
            switch (self, error) {
            case (.truncatedHeader, .truncated(_, 16, 10)): true
            case (.truncatedPayload, .truncated(_, 16 + 3 * 784, 16 + 3 * 784 - 100)): true
            case (.trailingBytes, .trailingData(_, 11, 12)): true
            case (.badMagic, .badMagic(_, let found)): found.starts(with: [0x12, 0x34])
            case (.wrongDataType, .unsupportedDataType(_, 0x0D)): true
            case (.garbageGzip, .corruptGzip(_, .corrupt)): true
            case (.truncatedGzip, .corruptGzip(_, .truncated)): true
            case (.countMismatch, .countMismatch(_, 2, _, 3)): true
            case (.missingFile, .missingFile(let name, _, let expected)): name == file && expected == MNIST.fileNames
            case (.labelOutOfRange, .labelOutOfRange(_, 1, 10, 10)): true
            case (.wrongImageDimensions, .wrongDimensions(_, _, [2, 28, 27])): true
            case (.wrongLabelRank, .wrongDimensions(_, _, [2, 1])): true
            case (.overflowingDimensions, .dimensionsTooLarge): true
            default: false
            }
        }
    }
}
