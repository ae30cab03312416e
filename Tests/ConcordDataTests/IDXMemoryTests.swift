import ConcordData
import ConcordSystem
import Foundation
import Testing

/// Loading an IDX file is checked against the memory it needs (its bytes plus 4 per element once converted)
/// before anything is decompressed or converted; the budget is injected, so the refusals do not depend on the
/// machine that runs them.
@Suite("IDX files checked against memory before loading")
struct IDXMemoryTests {
    /// 3,000,000 images of 28×28 of zeros as concatenated gzip members (a header member, then 3,000 members of
    /// 1,000 zero images each, compressed once): 2.3 MB, large enough that a deflate stream could legitimately
    /// hold what its header declares, so that only memory stands in the way.
    static func threeMillionZeroImages() throws -> [UInt8] {
        let header = Fixtures.idx(dimensions: [3_000_000, 28, 28], elements: [])
        let zeros = try Fixtures.gzipZeros(after: [], count: 1_000 * 784)
        var file = try Fixtures.gzipZeros(after: header, count: 0)
        file.reserveCapacity(file.count + 3_000 * zeros.count)
        for _ in 0..<3_000 { file += zeros }
        return file
    }

    @Test("a 2.3 MB gzip declaring 3,000,000 images: refused, naming the file, the images, the need and the budget")
    func gzipDeclaringMoreThanMemory() throws {
        let file = try Self.threeMillionZeroImages()
        #expect(file.count > 2_000_000 && file.count < 3_000_000)
        let budget = MemoryBudget(availableBytes: 3_100_000_000, limitedBy: "a test's budget")
        let error = #expect(throws: DataError.self) {
            try IDXReader.decode(Data(file), source: "train-images-idx3-ubyte.gz", budget: budget)
        }
        guard case .insufficientMemory(let name, let dimensions, let needed, let reported) = error else {
            Issue.record("expected .insufficientMemory, got \(String(describing: error))")
            return
        }
        #expect(name == "train-images-idx3-ubyte.gz" && dimensions == [3_000_000, 28, 28] && reported == budget)
        #expect(needed == 5 * 3_000_000 * 784 + 16)
        #expect(
            error?.description
                == "train-images-idx3-ubyte.gz declares 3,000,000 images of 28×28: loading needs 11.8 GB and "
                + "3.1 GB are available (a test's budget); load a smaller file (concord partition splits one) or "
                + "give the process more memory")
    }

    @Test("a tiny gzip declaring 3,000,000 images is still called a corrupt header: that is the likelier story")
    func corruptHeaderIsSaidFirst() throws {
        let file = try Fixtures.gzip(Fixtures.idx(dimensions: [3_000_000, 28, 28], elements: []))
        let error = #expect(throws: DataError.self) {
            try IDXReader.decode(Data(file), source: "t.gz", budget: MemoryBudget(availableBytes: 1_000))
        }
        guard case .declaredSizeExceedsFile = error else {
            Issue.record("expected .declaredSizeExceedsFile, got \(String(describing: error))")
            return
        }
    }

    @Test("an uncompressed file that fits on disk but not in memory once converted is refused before it is copied")
    func uncompressedLargerThanMemory() throws {
        let bytes = Fixtures.idx(dimensions: [100, 28, 28], elements: Fixtures.pixels(count: 100))
        let needed = bytes.count + 4 * 100 * 784
        let error = #expect(throws: DataError.self) {
            try IDXReader.decode(Data(bytes), source: "raw", budget: MemoryBudget(availableBytes: needed - 1))
        }
        #expect(
            error
                == .insufficientMemory(
                    file: "raw", dimensions: [100, 28, 28], neededBytes: needed,
                    budget: MemoryBudget(availableBytes: needed - 1)))
        #expect(error?.description.contains("raw declares 100 images of 28×28: loading needs 392 kB") == true)
        let array = try IDXReader.decode(Data(bytes), source: "raw", budget: MemoryBudget(availableBytes: needed))
        #expect(array.dimensions == [100, 28, 28])
    }

    @Test("a truncated uncompressed file is still called truncated, whatever the budget")
    func truncatedIsSaidFirst() throws {
        let bytes = Fixtures.idx(dimensions: [100, 28, 28], elements: Fixtures.pixels(count: 10))
        #expect(throws: DataError.truncated(file: "raw", expectedBytes: 16 + 78_400, foundBytes: bytes.count)) {
            try IDXReader.decode(Data(bytes), source: "raw", budget: MemoryBudget(availableBytes: 0))
        }
    }

    @Test("MNIST.loadTraining passes the budget on: the images file is named, the labels file gets what is left")
    func loaderNamesTheImagesFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let files = Fixtures.mnistFiles(trainCount: 50, testCount: 2)
        for (name, bytes) in files { try directory.write(try Fixtures.gzip(bytes), to: name + ".gz") }
        let imagesNeed = 5 * 50 * 784 + 16
        let error = #expect(throws: DataError.self) {
            try MNIST.loadTraining(directory: directory.url, budget: MemoryBudget(availableBytes: imagesNeed - 1))
        }
        guard case .insufficientMemory(let file, _, _, _) = error else {
            Issue.record("expected .insufficientMemory, got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("train-images-idx3-ubyte.gz"))
        // Enough for the images but not for the labels beside them.
        let labelsError = #expect(throws: DataError.self) {
            try MNIST.loadTraining(directory: directory.url, budget: MemoryBudget(availableBytes: imagesNeed + 10))
        }
        guard case .insufficientMemory(let labelsFile, _, _, _) = labelsError else {
            Issue.record("expected .insufficientMemory, got \(String(describing: labelsError))")
            return
        }
        #expect(labelsFile.hasSuffix("train-labels-idx1-ubyte.gz"))
        let loaded = try MNIST.loadTraining(directory: directory.url, budget: MemoryBudget(availableBytes: 1 << 30))
        #expect(loaded.count == 50)
    }
}
