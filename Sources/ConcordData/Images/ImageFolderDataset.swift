import ConcordSystem
import ConcordTensor
import Foundation

/// An image folder loaded as a dataset: features `[N, height, width, channels]` (NHWC) in [0, 1], labels the class
/// indices of ``ImageFolder``.
public struct ImageFolderDataset: Sendable {
    /// The examples.
    public var dataset: Dataset
    /// The class names in label order.
    public var classes: [String]
    /// The folder's root.
    public var root: String
    /// The size and channels every image was given: what a second folder (the test data) must be loaded with.
    public var options: ImageFolderOptions

    /// Loads the folder at `root` (see ``ImageFolder``).
    ///
    /// - Parameters:
    ///   - root: The folder, `ROOT/CLASS/*.png`.
    ///   - options: The size and channels to give the images.
    ///   - budget: The memory the examples may take.
    /// - Throws: ``ImageError`` naming the folder or file: a layout that is not an image folder, an image that cannot
    ///   be decoded, sizes that differ when no side is given, or more examples than `budget` holds.
    public init(root: URL, options: ImageFolderOptions = .init(), budget: MemoryBudget = .current()) throws(ImageError)
    {
        try self.init(folder: ImageFolder(root: root), options: options, budget: budget)
    }

    /// Loads the images of a scanned folder; see ``init(root:options:budget:)``.
    public init(
        folder: ImageFolder, options: ImageFolderOptions = .init(), budget: MemoryBudget = .current()
    ) throws(ImageError) {
        try options.validate()
        let urls = folder.entries.map(\.url)
        // The headers first: sizes, channels and the memory needed are known before any image is inflated.
        let headers = try urls.map { url throws(ImageError) in try PNGDecoder.header(contentsOf: url) }
        guard let first = headers.first else { throw .noClassFolders(root: folder.root.path) }
        let channels = options.channels ?? (headers.contains { $0.decodedChannels == 3 } ? 3 : 1)
        let (width, height) = options.side.map { ($0, $0) } ?? (first.width, first.height)
        if options.side == nil, let index = headers.firstIndex(where: { $0.width != width || $0.height != height }) {
            throw .inconsistentSize(
                file: urls[index].path, width: headers[index].width, height: headers[index].height,
                expectedWidth: width, expectedHeight: height, first: urls[0].path)
        }
        let perExample = width * height * channels
        // The examples as floats, and the largest image decoded (each worker holds one at a time).
        let largest = headers.map { $0.width * $0.height * 16 }.max() ?? 0
        let (floats, overflow) = urls.count.multipliedReportingOverflow(by: perExample * MemoryLayout<Float>.size)
        let needed = overflow ? Int.max : floats + largest * ProcessInfo.processInfo.activeProcessorCount
        guard budget.allows(needed) else {
            throw .insufficientMemory(root: folder.root.path, examples: urls.count, neededBytes: needed, budget: budget)
        }
        var failures = [ImageError?](repeating: nil, count: urls.count)
        let features = Tensor(uninitializedShape: [urls.count, height, width, channels]) { output in
            let shared = SendableBuffer(output)
            failures.withUnsafeMutableBufferPointer { slots in
                let sharedSlots = SendableSlots(slots)
                DispatchQueue.concurrentPerform(iterations: urls.count) { index in
                    let slot = UnsafeMutableBufferPointer(
                        rebasing: shared.buffer[(index * perExample)..<((index + 1) * perExample)])
                    switch Result(catching: { () throws(ImageError) in try PNGDecoder.decode(contentsOf: urls[index]) })
                    {
                    case .success(let image):
                        ImageConversion.write(image, width: width, height: height, channels: channels, into: slot)
                    case .failure(let error):
                        slot.initialize(repeating: 0)
                        sharedSlots.slots[index] = error
                    }
                }
            }
        }
        // The first failure in file order, so that the error does not depend on scheduling.
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        dataset = Dataset(features: features, labels: folder.entries.map(\.label), classCount: folder.classes.count)
        classes = folder.classes
        root = folder.root.path
        self.options = ImageFolderOptions(side: options.side ?? (width == height ? width : nil), channels: channels)
    }

    /// A seeded held-out split, as a table's (``TabularFederation``): a shuffled `testFraction` of the examples
    /// becomes the test set, the rest the training set, each in folder order.
    ///
    /// - Throws: ``ImageError/invalidOption(_:)`` for a fraction outside (0, 1) or a folder too small to leave an
    ///   example on each side.
    public func split(testFraction: Double, seed: UInt64) throws(ImageError) -> DatasetSplit {
        guard testFraction > 0, testFraction < 1 else {
            throw .invalidOption("the test fraction must be in (0, 1), got \(testFraction)")
        }
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<dataset.count)
        order.shuffle(using: &generator)
        let held = TabularFederation.heldOutCount(dataset.count, testFraction)
        guard held > 0 else {
            throw .invalidOption(
                "\(root): \(dataset.count) images leave none for a \(testFraction) test set; add images or give --test-data"
            )
        }
        return DatasetSplit(
            train: dataset.subset(order[held...].sorted()), test: dataset.subset(order[..<held].sorted()))
    }

    /// Checks that `other` (a test folder, say) has this folder's classes in the same order.
    ///
    /// - Throws: ``ImageError/classMismatch(folder:found:expected:expectedFrom:)`` naming both folders.
    public func checkSameClasses(as other: ImageFolderDataset) throws(ImageError) {
        guard other.classes == classes else {
            throw .classMismatch(folder: other.root, found: other.classes, expected: classes, expectedFrom: root)
        }
    }
}

/// Lets the parallel loops hand each worker its own part of one buffer.
private struct SendableBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Float>
    init(_ buffer: UnsafeMutableBufferPointer<Float>) { self.buffer = buffer }
}

/// Lets the parallel decoder hand each worker its own result slot.
private struct SendableSlots<Value>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Value>
    init(_ slots: UnsafeMutableBufferPointer<Value>) { self.slots = slots }
}
