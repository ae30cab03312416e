import ConcordData
import ConcordFederation
import Foundation

extension FederationInput {
    /// An image folder (`ROOT/CLASS/*.png`) as a simulated federation: its images divided among `clients` by
    /// `partition`, as an IDX dataset's are; the coordinator's test set is the folder `testData` (loaded with the
    /// training images' size and channels, and required to hold the same classes) or, without one, a seeded
    /// `testFraction` of the folder held out (as a table's is).
    ///
    /// - Parameters:
    ///   - root: the training images.
    ///   - testData: a folder of held-out images with the same classes; nil to hold out part of `root`.
    ///   - options: the size and channels to give the images.
    ///   - clients: the number of participants (default 100, as for IDX data).
    ///   - partition: iid, shards, shards:K or dirichlet:ALPHA.
    ///   - testFraction: the share of `root` held out when `testData` is nil, in (0, 1).
    ///   - seed: the seed of the held-out split and of the partition.
    /// - Returns: the federation's input and the training folder as loaded (its classes, size and channels).
    /// - Throws: ``ConcordData/DataError/image(_:)`` naming the folder or file; the partitioner's errors.
    public static func imageFolder(
        root: URL, testData: URL?, options: ImageFolderOptions, clients: Int?, partition: String,
        testFraction: Double, seed: UInt64
    ) throws -> (input: FederationInput, folder: ImageFolderDataset) {
        let scheme = try PartitionScheme(parsing: partition)
        let folder: ImageFolderDataset
        let split: DatasetSplit
        do {
            folder = try ImageFolderDataset(root: root, options: options)
            if let testData {
                let test = try ImageFolderDataset(root: testData, options: folder.options)
                try folder.checkSameClasses(as: test)
                guard test.dataset.exampleShape == folder.dataset.exampleShape else {
                    throw ImageError.invalidOption(
                        "\(test.root): its images are \(test.dataset.exampleShape) (height, width, channels), those of "
                            + "\(folder.root) \(folder.dataset.exampleShape); give --image-size N to resize both")
                }
                split = DatasetSplit(train: folder.dataset, test: test.dataset)
            } else {
                split = try folder.split(testFraction: testFraction, seed: seed)
            }
        } catch let error as ImageError {
            throw DataError.image(error)
        }
        let partitioned = try ClientPartition(split.train, clients: clients ?? 100, scheme: scheme, seed: seed)
        let input = FederationInput(
            participants: partitioned, test: split.test, name: root.path, partitionName: scheme.description)
        return (input, folder)
    }
}
