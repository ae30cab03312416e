import Foundation
import Testing

@testable import ConcordData

/// The bundled MNIST, loaded once for every test in this file.
private let bundled = Result { () throws(DataError) in try MNIST.loadBundled() }

@Suite("Bundled MNIST")
struct BundledMNISTTests {
    @Test("the bundle holds the four gzip files")
    func bundledFiles() throws {
        let directory = try MNIST.bundledDirectory
        for name in MNIST.fileNames {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name + ".gz").path))
        }
    }

    @Test("a missing bundled resource is an error that says where to look, not a trap")
    func missingResource() {
        #expect(throws: DataError.missingBundledResource(name: "no-such-data")) {
            try BundledResources.directory(named: "no-such-data")
        }
        #expect(DataError.missingBundledResource(name: "x").description.contains("CONCORD_RESOURCES"))
    }

    @Test("has 60,000 training and 10,000 test examples of shape [28, 28, 1]")
    func sizes() throws {
        let split = try bundled.get()
        #expect(split.train.count == 60_000)
        #expect(split.test.count == 10_000)
        #expect(split.train.features.shape == [60_000, 28, 28, 1])
        #expect(split.test.features.shape == [10_000, 28, 28, 1])
        #expect(split.train.classCount == 10)
    }

    @Test("starts with the known labels")
    func firstLabels() throws {
        let split = try bundled.get()
        #expect(Array(split.train.labels.prefix(5)) == [5, 0, 4, 1, 9])
        #expect(Array(split.test.labels.prefix(5)) == [7, 2, 1, 0, 4])
    }

    @Test("labels are digits and every digit occurs", arguments: ["train", "test"])
    func labels(portion: String) throws {
        let split = try bundled.get()
        let labels = portion == "train" ? split.train.labels : split.test.labels
        #expect(labels.allSatisfy { (0..<10).contains($0) })
        #expect(Set(labels).count == 10)
    }

    @Test("pixels lie in [0, 1] and reach both ends", arguments: ["train", "test"])
    func pixelRange(portion: String) throws {
        let split = try bundled.get()
        let features = portion == "train" ? split.train.features : split.test.features
        // A raw-pointer loop with plain comparisons: min/max and iterators are slow in debug builds.
        let (low, high) = features.withUnsafeBufferPointer { scalars in
            var low = Float.infinity, high = -Float.infinity
            guard let base = scalars.baseAddress else { return (low, high) }
            var index = 0
            while index < scalars.count {
                let value = base[index]
                if value < low { low = value }
                if value > high { high = value }
                index += 1
            }
            return (low, high)
        }
        #expect(low == 0)
        #expect(high == 1)
    }

    @Test("the first training image matches the file byte for byte")
    func firstImage() throws {
        let image = try bundled.get().train.batch([0]).features
        let bytes = image.scalars.map { Int(($0 * 255).rounded()) }
        #expect(bytes.reduce(0, +) == 27_525)
        #expect(bytes[5 * 28 + 12] == 3)
        #expect(bytes.firstIndex(of: 255) == 5 * 28 + 21)
    }
}
