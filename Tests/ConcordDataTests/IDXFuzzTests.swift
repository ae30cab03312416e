import ConcordData
import ConcordTesting
import Foundation
import Testing

/// Seeded mutations of real IDX files, raw and gzip-compressed, and of gzip streams: each parses to an array
/// whose elements fill its dimensions, or throws; none traps, hangs or inflates past what its header declares.
@Suite("IDX and gzip fuzz")
struct IDXFuzzTests {
    static let iterations = FuzzSettings.iterations(inSuite: 3_000)

    /// IDX files written by the real writer (``IDXReader/write(dimensions:elements:to:)``).
    static func rawSeeds() throws -> [[UInt8]] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var seeds: [[UInt8]] = []
        for (dimensions, seed) in [([3, 28, 28], 1), ([5], 2), ([2, 3, 4], 3), ([], 4), ([0, 28, 28], 5)] {
            let url = directory.url.appendingPathComponent("file-\(seed)")
            let count = dimensions.reduce(1, *)
            try IDXReader.write(
                dimensions: dimensions, elements: (0..<count).map { UInt8(truncatingIfNeeded: $0 * seed) }, to: url)
            seeds.append(try [UInt8](Data(contentsOf: url)))
        }
        return seeds
    }

    static func check(_ array: IDXArray) throws {
        let count = array.dimensions.reduce(1, *)
        guard array.elementCount == count, array.elements.count == count else {
            throw FuzzInvariantViolation(
                "dimensions \(array.dimensions) but \(array.elementCount) elements (\(array.elements.count) copied)")
        }
    }

    @Test("mutated raw IDX files parse to arrays that fill their dimensions, or throw")
    func raw() throws {
        let report = fuzz("idx-raw", seeds: try Self.rawSeeds(), iterations: Self.iterations) { input in
            try Self.check(IDXReader.decode(Data(input), source: "fuzz.idx"))
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("mutated IDX files, compressed, read through the gzip path the same way")
    func gzipContent() throws {
        let report = fuzz("idx-gzip-content", seeds: try Self.rawSeeds(), iterations: Self.iterations) { input in
            let compressed = try Fixtures.gzip(input)
            try Self.check(IDXReader.decode(Data(compressed), source: "fuzz.idx.gz"))
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("mutated gzip IDX files parse, or throw, and never inflate past their header")
    func gzipStream() throws {
        let seeds =
            try Self.rawSeeds().map { try Fixtures.gzip($0) }
            + [try Fixtures.gzip(Self.rawSeeds()[1], windowBits: 15)]
        let report = fuzz("idx-gzip", seeds: seeds, iterations: Self.iterations) { input in
            try Self.check(IDXReader.decode(Data(input), source: "fuzz.idx.gz"))
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }

    @Test("mutated gzip and zlib streams decompress within their limit, or throw")
    func gzipDecoder() throws {
        let text = Array(String(repeating: "federated ", count: 300).utf8)
        let seeds = [
            try Fixtures.gzip(text), try Fixtures.gzip(text, windowBits: 15), try Fixtures.gzip([]),
            try Fixtures.gzip(Array(text.prefix(10))) + Fixtures.gzip(Array(text.suffix(20))),
        ]
        let limit = 1 << 20
        let report = fuzz("gzip", seeds: seeds, iterations: Self.iterations) { input in
            let output = try input.withUnsafeBytes { raw throws(GzipError) in try Gzip.decompress(raw, limit: limit) }
            guard output.count <= limit else { throw FuzzInvariantViolation("\(output.count) bytes past the limit") }
            let head = try input.withUnsafeBytes { raw throws(GzipError) in try Gzip.prefix(raw, count: 16) }
            guard head == Array(output.prefix(16)) else {
                throw FuzzInvariantViolation("the prefix \(head) is not the start of the whole \(output.prefix(16))")
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(report.accepted > 0 && report.refused > 0)
    }
}

/// Files whose header declares more than they hold, and gzip bombs: refused before the memory is allocated.
@Suite("IDX declared sizes")
struct IDXDeclaredSizeTests {
    static let threeMillionImages = [3_000_000, 28, 28]

    @Test("3 million 28×28 images declared in a 2 KB raw file are refused")
    func rawOverclaim() {
        let file = Fixtures.idx(
            dimensions: Self.threeMillionImages, elements: Fixtures.pixels(count: 3).prefix(2048).map { $0 })
        let error = #expect(throws: DataError.self) { try IDXReader.decode(Data(file), source: "big.idx") }
        #expect(error == .truncated(file: "big.idx", expectedBytes: 16 + 3_000_000 * 784, foundBytes: file.count))
    }

    @Test("3 million 28×28 images declared in a 2 KB gzip file are refused before inflating")
    func gzipOverclaim() throws {
        let file = try Fixtures.gzip(
            Fixtures.idx(dimensions: Self.threeMillionImages, elements: Fixtures.pixels(count: 3)))
        #expect(file.count < 4096)
        let error = #expect(throws: DataError.self) { try IDXReader.decode(Data(file), source: "big.idx.gz") }
        guard case .declaredSizeExceedsFile(let name, let dimensions, let declared, _, _) = error else {
            Issue.record("expected .declaredSizeExceedsFile, got \(String(describing: error))")
            return
        }
        #expect(name == "big.idx.gz" && dimensions == Self.threeMillionImages && declared == 16 + 3_000_000 * 784)
        #expect(error?.description.contains("decompresses to at most") == true)
    }

    @Test("a gzip bomb (1 MB inflating to 1 GB) is stopped at the size its IDX header declares")
    func concatenatedBomb() throws {
        // One member holds a valid header for 10 images; a thousand more each inflate to 1 MiB of zeros.
        let head = try Fixtures.gzip(Fixtures.idx(dimensions: [10, 28, 28], elements: Fixtures.pixels(count: 10)))
        let zeros = try Fixtures.gzipZeros(after: [], count: 1 << 20)
        var bomb = head
        for _ in 0..<1024 { bomb += zeros }
        #expect(bomb.count < 2 << 20)
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: DataError.self) { try IDXReader.decode(Data(bomb), source: "bomb.gz") }
        #expect(error == .corruptGzip(file: "bomb.gz", reason: .exceedsLimit(limit: 16 + 10 * 784)))
        #expect(clock.now - start < .seconds(2), "the bomb was inflated instead of stopped")
    }

    @Test("a single deflate stream inflating to 256 MB is stopped at the declared size")
    func deflateBomb() throws {
        let bomb = try Fixtures.gzipZeros(
            after: Fixtures.idx(dimensions: [4], elements: [1, 2, 3, 4]), count: 256 << 20)
        #expect(bomb.count < 1 << 20)
        let error = #expect(throws: DataError.self) { try IDXReader.decode(Data(bomb), source: "bomb.gz") }
        #expect(error == .corruptGzip(file: "bomb.gz", reason: .exceedsLimit(limit: 12)))
    }

    @Test("the gzip decoder's limit holds for a stream of any size")
    func decoderLimit() throws {
        let compressed = try Fixtures.gzip([UInt8](repeating: 7, count: 100_000))
        #expect(throws: GzipError.exceedsLimit(limit: 99_999)) {
            try compressed.withUnsafeBytes { raw throws(GzipError) in try Gzip.decompress(raw, limit: 99_999) }
        }
        let whole = try compressed.withUnsafeBytes { raw throws(GzipError) in try Gzip.decompress(raw, limit: 100_000) }
        #expect(whole.count == 100_000)
        let head = try compressed.withUnsafeBytes { raw throws(GzipError) in try Gzip.prefix(raw, count: 5) }
        #expect(head == [7, 7, 7, 7, 7])
    }
}
