import ConcordSystem
import ConcordTensor
import Foundation

/// Loads MNIST (or any dataset in its layout: 28×28 unsigned-byte images, labels 0–9) from IDX files.
public enum MNIST {
    /// The number of digit classes.
    public static let classCount = 10
    /// Image height and width in pixels.
    public static let imageSide = 28
    /// The shape of one example in a loaded ``Dataset``: height, width, channels (NHWC).
    public static let exampleShape = [imageSide, imageSide, 1]

    /// The training images file name (also accepted with a `.gz` suffix).
    public static let trainImagesFile = "train-images-idx3-ubyte"
    /// The training labels file name (also accepted with a `.gz` suffix).
    public static let trainLabelsFile = "train-labels-idx1-ubyte"
    /// The test images file name (also accepted with a `.gz` suffix).
    public static let testImagesFile = "t10k-images-idx3-ubyte"
    /// The test labels file name (also accepted with a `.gz` suffix).
    public static let testLabelsFile = "t10k-labels-idx1-ubyte"
    /// The four files ``load(directory:budget:)`` expects.
    public static let fileNames = [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile]

    /// The directory of the MNIST files bundled with ConcordData.
    ///
    /// - Throws: ``DataError/missingBundledResource(name:)`` if the resource bundle lacks them.
    public static var bundledDirectory: URL {
        get throws(DataError) { try BundledResources.directory(named: "mnist") }
    }

    /// Loads the MNIST files bundled with ConcordData (60,000 training and 10,000 test examples).
    ///
    /// - Throws: ``DataError`` if the bundled files are missing or damaged.
    public static func loadBundled() throws(DataError) -> DatasetSplit {
        try load(directory: bundledDirectory)
    }

    /// Loads the four MNIST files from a directory; each may be raw or gzip-compressed, and may
    /// carry a `.gz` suffix (the uncompressed name is preferred when both exist).
    ///
    /// - Parameters:
    ///   - directory: The directory holding ``fileNames``.
    ///   - budget: The memory loading may use; each file is checked against it before it is decompressed (the
    ///     four are read at once, so each is checked against the whole budget: a coarse check, which the
    ///     training images, by far the largest, dominate).
    /// - Returns: The training and test sets, features `[N, 28, 28, 1]` scaled to [0, 1].
    /// - Throws: ``DataError`` naming the offending file: missing, unreadable, corrupt, too large for memory,
    ///   wrong dimensions, mismatched counts or labels outside 0..<10.
    public static func load(directory: URL, budget: MemoryBudget = .current()) throws(DataError) -> DatasetSplit {
        let urls = try fileNames.map { name throws(DataError) in try locate(name, in: directory) }
        var results = urls.map { url -> Result<IDXArray, DataError> in
            .failure(.unreadableFile(path: url.path, reason: "not read"))
        }
        // The files decompress independently; the training images dominate, so overlap the rest with them.
        results.withUnsafeMutableBufferPointer { slots in
            let sharedSlots = UncheckedSendableBox(slots)
            DispatchQueue.concurrentPerform(iterations: urls.count) { index in
                sharedSlots.value[index] = Result { () throws(DataError) in
                    try IDXReader.read(contentsOf: urls[index], budget: budget)
                }
            }
        }
        let arrays = try results.map { result throws(DataError) in try result.get() }
        let train = try makeDataset(
            images: arrays[0], imagesFile: urls[0].path, labels: arrays[1], labelsFile: urls[1].path)
        let test = try makeDataset(
            images: arrays[2], imagesFile: urls[2].path, labels: arrays[3], labelsFile: urls[3].path)
        return DatasetSplit(train: train, test: test)
    }

    /// Loads only the training set from `directory` (a participant's own data, as `concord partition`
    /// writes it): `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`.
    ///
    /// - Parameter budget: The memory loading may use; the images file is checked against it before it is
    ///   decompressed, the labels file against what the images leave.
    /// - Throws: ``DataError`` naming the offending file, as ``load(directory:budget:)``.
    public static func loadTraining(directory: URL, budget: MemoryBudget = .current()) throws(DataError) -> Dataset {
        try loadPair(images: trainImagesFile, labels: trainLabelsFile, in: directory, budget: budget)
    }

    /// Loads only the test set from `directory` (a coordinator's held-out data): `t10k-images-idx3-ubyte[.gz]`
    /// and `t10k-labels-idx1-ubyte[.gz]`.
    ///
    /// - Parameter budget: The memory loading may use, as ``loadTraining(directory:budget:)``.
    /// - Throws: ``DataError`` naming the offending file, as ``load(directory:budget:)``.
    public static func loadTest(directory: URL, budget: MemoryBudget = .current()) throws(DataError) -> Dataset {
        try loadPair(images: testImagesFile, labels: testLabelsFile, in: directory, budget: budget)
    }

    private static func loadPair(
        images: String, labels: String, in directory: URL, budget: MemoryBudget
    ) throws(DataError) -> Dataset {
        let imagesURL = try locate(images, in: directory, expected: [images, labels])
        let labelsURL = try locate(labels, in: directory, expected: [images, labels])
        let imageArray = try IDXReader.read(contentsOf: imagesURL, budget: budget)
        // The images' bytes are held, and their floats are still to come, while the labels load.
        let imagesNeed = imageArray.elementCount * 5
        let labelArray = try IDXReader.read(
            contentsOf: labelsURL,
            budget: MemoryBudget(availableBytes: budget.availableBytes - imagesNeed, limitedBy: budget.limitedBy))
        return try makeDataset(
            images: imageArray, imagesFile: imagesURL.path, labels: labelArray, labelsFile: labelsURL.path)
    }

    /// Writes `dataset` (MNIST-shaped, features in [0, 1] as ``load(directory:budget:)`` makes them) as the two
    /// uncompressed training IDX files in `directory`, which ``loadTraining(directory:)`` reads back
    /// bit for bit.
    ///
    /// - Throws: ``DataError/unreadableFile(path:reason:)`` when a file cannot be written, or
    ///   ``DataError/wrongDimensions(file:expected:found:)`` for data that is not MNIST-shaped.
    public static func writeTraining(_ dataset: Dataset, to directory: URL) throws(DataError) {
        guard dataset.exampleShape == exampleShape else {
            throw .wrongDimensions(file: directory.path, expected: "\(exampleShape)", found: dataset.exampleShape)
        }
        let pixels = dataset.features.scalars.map { UInt8(($0 * 255).rounded()) }
        let labels = dataset.labels.map { UInt8(clamping: $0) }
        try IDXReader.write(
            dimensions: [dataset.count, imageSide, imageSide], elements: pixels,
            to: directory.appendingPathComponent(trainImagesFile))
        try IDXReader.write(
            dimensions: [dataset.count], elements: labels, to: directory.appendingPathComponent(trainLabelsFile))
    }

    /// The URL of `name` or `name.gz` in `directory`.
    private static func locate(
        _ name: String, in directory: URL, expected: [String] = fileNames
    ) throws(DataError)
        -> URL
    {
        for candidate in [name, name + ".gz"] {
            let url = directory.appendingPathComponent(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        throw .missingFile(name: name, directory: directory.path, expected: expected)
    }

    /// Validates an image/label pair and converts it to a ``Dataset``.
    private static func makeDataset(
        images: IDXArray, imagesFile: String, labels: IDXArray, labelsFile: String
    ) throws(DataError) -> Dataset {
        guard images.dimensions.count == 3,
            images.dimensions[1] == imageSide, images.dimensions[2] == imageSide
        else {
            throw .wrongDimensions(
                file: imagesFile, expected: "[N, \(imageSide), \(imageSide)]", found: images.dimensions)
        }
        guard labels.dimensions.count == 1 else {
            throw .wrongDimensions(file: labelsFile, expected: "[N]", found: labels.dimensions)
        }
        let count = images.dimensions[0]
        guard count == labels.dimensions[0] else {
            throw .countMismatch(
                imagesFile: imagesFile, imageCount: count,
                labelsFile: labelsFile, labelCount: labels.dimensions[0])
        }
        let labelValues = try classLabels(labels, file: labelsFile)
        let features = Tensor(uninitializedShape: [count] + exampleShape) { output in
            images.withUnsafeElements { pixels in PixelScaling.normalize(pixels, into: output) }
        }
        return Dataset(features: features, labels: labelValues, classCount: classCount)
    }

    /// The labels as `Int32`, checked against ``classCount``.
    private static func classLabels(_ labels: IDXArray, file: String) throws(DataError) -> [Int32] {
        let firstBad = labels.withUnsafeElements { bytes in bytes.firstIndex { Int($0) >= classCount } }
        if let index = firstBad {
            let label = labels.withUnsafeElements { Int($0[index]) }
            throw .labelOutOfRange(file: file, index: index, label: label, classCount: classCount)
        }
        return labels.withUnsafeElements { bytes in bytes.map { Int32($0) } }
    }
}

/// Lets the parallel loader hand each worker its own result slot.
private struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
