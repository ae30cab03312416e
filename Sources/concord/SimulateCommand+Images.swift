import ConcordData
import ConcordPlan
import Foundation

extension SimulateCommand {
    /// Whether `--data` names an image folder (`DIR/CLASS/*.png`) rather than IDX files or a table.
    var readsImageFolder: Bool {
        guard let path = data.data, !TabularOptions.isTable(path) else { return false }
        return ImageFolder.looksLikeImageFolder(URL(fileURLWithPath: (path as NSString).expandingTildeInPath))
    }

    /// The federation of a `--data` image folder: its images partitioned among the participants, the test set
    /// `--test-data` or a seeded `--test-fraction` of the folder.
    ///
    /// - Throws: ``ConcordData/DataError/image(_:)`` naming the folder or file; the partitioner's errors.
    func loadImageFolder() throws -> FederationInput {
        guard let path = data.data else { throw ImageError.notAFolder(path: "--data") }
        let root = URL(fileURLWithPath: (path as NSString).expandingTildeInPath, isDirectory: true)
        let testRoot = testData.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) }
        let (input, folder) = try FederationInput.imageFolder(
            root: root, testData: testRoot, options: images.options, clients: clients, partition: partition,
            testFraction: tabular.testFraction, seed: seed)
        let shape = folder.dataset.exampleShape
        print(
            "data: \(folder.dataset.count) images of \(path), \(folder.classes.count) classes "
                + "(\(folder.classes.joined(separator: ", "))) as \(shape[0])×\(shape[1])×\(shape[2]); "
                + "\(input.test.count) test images "
                + (testData.map { "from \($0)" } ?? "held out (--test-fraction \(tabular.testFraction))"))
        return input
    }
}
