import ConcordData
import ConcordTensor
import Foundation
import Testing

@Suite("Dataset")
struct DatasetTests {
    /// Five 2×3 examples whose scalars encode their index: example `i` holds `10 i + j`.
    let dataset = Dataset(
        features: Tensor(shape: [5, 2, 3], scalars: (0..<30).map { Float($0 / 6 * 10 + $0 % 6) }),
        labels: [0, 1, 2, 0, 1],
        classCount: 3
    )

    private func row(_ index: Int) -> [Float] { (0..<6).map { Float(index * 10 + $0) } }

    @Test func shapeAndCount() {
        #expect(dataset.count == 5)
        #expect(dataset.exampleShape == [2, 3])
        #expect(dataset.exampleScalarCount == 6)
    }

    @Test("batch gathers rows in index order, repeats allowed", arguments: [[4, 0, 2], [1, 1], [3], []])
    func batch(indices: [Int]) {
        let (features, labels) = dataset.batch(indices)
        #expect(features.shape == [indices.count, 2, 3])
        #expect(features.scalars == indices.flatMap(row))
        #expect(labels == indices.map { dataset.labels[$0] })
    }

    @Test("batch accepts a slice of a permutation")
    func batchFromSlice() {
        let permutation = [3, 1, 4, 0, 2]
        let (features, labels) = dataset.batch(permutation[1..<3])
        #expect(features.scalars == row(1) + row(4))
        #expect(labels == [1, 1])
    }

    @Test("gather into caller storage reuses it and resizes when the batch size changes")
    func gatherInto() {
        var features = Tensor.zeros([2, 2, 3])
        var labels: [Int32] = [9, 9]
        dataset.gather([2, 3], into: &features, labels: &labels)
        #expect(features.scalars == row(2) + row(3))
        #expect(labels == [2, 0])

        dataset.gather([4, 1, 0], into: &features, labels: &labels)
        #expect(features.shape == [3, 2, 3])
        #expect(features.scalars == row(4) + row(1) + row(0))
        #expect(labels == [1, 1, 0])
    }

    @Test("gather into raw buffers")
    func gatherIntoBuffers() {
        var features = [Float](repeating: -1, count: 12)
        var labels: [Int32] = [-1, -1]
        features.withUnsafeMutableBufferPointer { featureBuffer in
            labels.withUnsafeMutableBufferPointer { labelBuffer in
                dataset.gather([1, 4], intoFeatures: featureBuffer, labels: labelBuffer)
            }
        }
        #expect(features == row(1) + row(4))
        #expect(labels == [1, 1])
    }

    @Test("subset keeps the order and the class count")
    func subset() {
        let shard = dataset.subset([4, 2])
        #expect(shard.count == 2)
        #expect(shard.classCount == 3)
        #expect(shard.labels == [1, 2])
        #expect(shard.features.scalars == row(4) + row(2))
    }
}

@Suite("Dataset source")
struct DatasetSourceTests {
    @Test(
        "parses command-line arguments",
        arguments: [
            ("mnist", DatasetSource.named("mnist")),
            ("MNIST", .named("mnist")),
            ("cifar", .named("cifar")),
            ("/data/mnist", .directory(URL(fileURLWithPath: "/data/mnist", isDirectory: true))),
        ])
    func parse(argument: String, expected: DatasetSource) {
        #expect(DatasetSource(argument: argument) == expected)
    }

    @Test("a relative path becomes a directory")
    func relativePath() {
        guard case .directory(let url) = DatasetSource(argument: "./some/idx") else {
            Issue.record("expected a directory source")
            return
        }
        #expect(url.path.hasSuffix("some/idx"))
    }

    @Test("an unknown name lists the known ones")
    func unknownName() {
        let error = #expect(throws: DataError.self) { try DatasetSource.named("cifar").load() }
        #expect(error == .unknownDataset(name: "cifar", known: ["mnist"]))
        #expect(error?.description.contains("mnist") == true)
        #expect(error?.description.contains("cifar") == true)
    }
}
