import ConcordData
import Foundation
import Testing

@Suite("IDX reader")
struct IDXReaderTests {
    @Test("parses dimensions and elements", arguments: [[4], [2, 3], [2, 28, 28], []])
    func parse(dimensions: [Int]) throws {
        let count = dimensions.reduce(1, *)
        let elements = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let array = try IDXReader.parse(Fixtures.idx(dimensions: dimensions, elements: elements), source: "memory")
        #expect(array.dimensions == dimensions)
        #expect(array.elementCount == count)
        #expect(array.elements == elements)
        #expect(array.withUnsafeElements { Array($0) } == elements)
    }

    @Test(
        "reads raw and gzip files, detected by magic bytes rather than by name",
        arguments: [(false, "plain"), (false, "plain.gz"), (true, "packed.gz"), (true, "packed")])
    func readFile(gzipped: Bool, name: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = Fixtures.idx(dimensions: [3, 28, 28], elements: Fixtures.pixels(count: 3))
        let url = try directory.write(gzipped ? Fixtures.gzip(original) : original, to: name)
        let array = try IDXReader.read(contentsOf: url)
        #expect(array.dimensions == [3, 28, 28])
        #expect(array.elements == Fixtures.pixels(count: 3))
    }

    @Test("reads a large gzip file with a multi-megabyte payload")
    func largeGzip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pixels = Fixtures.pixels(count: 3000)
        let url = try directory.write(
            Fixtures.gzip(Fixtures.idx(dimensions: [3000, 28, 28], elements: pixels)), to: "big")
        #expect(try IDXReader.read(contentsOf: url).elements == pixels)
    }

    @Test("rejects malformed bytes with the source named", arguments: Malformed.allCases)
    func malformed(_ malformed: Malformed) {
        let error = #expect(throws: DataError.self) { try IDXReader.parse(malformed.bytes, source: "sample.idx") }
        #expect(error == malformed.expected)
        #expect(error?.description.contains("sample.idx") == true)
    }

    @Test("names an unreadable file")
    func unreadable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("absent-idx1-ubyte")
        let error = #expect(throws: DataError.self) { try IDXReader.read(contentsOf: url) }
        guard case .unreadableFile(let path, _) = error else {
            Issue.record("expected .unreadableFile, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
    }

    /// Byte sequences that are not valid unsigned-byte IDX files.
    enum Malformed: CaseIterable, CustomTestStringConvertible {
        case empty, shortMagic, badMagic, floatType, unknownType, truncatedDimensions
        case truncatedPayload, trailingBytes, overflowingDimensions, hugeDimensions

        var bytes: [UInt8] {
            switch self {
            case .empty: []
            case .shortMagic: [0, 0, 8]
            case .badMagic: [0x1f, 0x8c, 8, 1, 0, 0, 0, 0]
            case .floatType: Fixtures.idx(dimensions: [1], elements: [0, 0, 0, 0], dataType: 0x0D)
            case .unknownType: Fixtures.idx(dimensions: [1], elements: [0], dataType: 0x42)
            case .truncatedDimensions: Array(Fixtures.idx(dimensions: [2, 28, 28], elements: []).prefix(10))
            case .truncatedPayload: Fixtures.idx(dimensions: [2, 3], elements: [1, 2, 3, 4])
            case .trailingBytes: Fixtures.idx(dimensions: [2], elements: [1, 2, 3])
            case .overflowingDimensions:
                Fixtures.idx(dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], elements: [1])
            case .hugeDimensions: Fixtures.idx(dimensions: [60000, 60000, 60000], elements: [1, 2])
            }
        }

        var expected: DataError {
            let file = "sample.idx"
            switch self {
            case .empty: return .truncated(file: file, expectedBytes: 4, foundBytes: 0)
            case .shortMagic: return .truncated(file: file, expectedBytes: 4, foundBytes: 3)
            case .badMagic: return .badMagic(file: file, found: [0x1f, 0x8c, 8, 1])
            case .floatType: return .unsupportedDataType(file: file, code: 0x0D)
            case .unknownType: return .unsupportedDataType(file: file, code: 0x42)
            case .truncatedDimensions: return .truncated(file: file, expectedBytes: 16, foundBytes: 10)
            case .truncatedPayload: return .truncated(file: file, expectedBytes: 18, foundBytes: 16)
            case .trailingBytes: return .trailingData(file: file, expectedBytes: 10, foundBytes: 11)
            case .overflowingDimensions:
                return .dimensionsTooLarge(file: file, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF])
            case .hugeDimensions: return .truncated(file: file, expectedBytes: 16 + 216_000_000_000_000, foundBytes: 18)
            }
        }

        var testDescription: String { "\(self)" }
    }
}
