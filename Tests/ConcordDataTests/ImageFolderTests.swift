import ConcordData
import ConcordSystem
import ConcordTesting
import Foundation
import Testing

/// Image folders (`ROOT/CLASS/*.png`): torchvision's class order and labels, conversion to the model's channels and
/// size, the same floats as IDX for MNIST digits, and each bad layout named by folder or file.
@Suite("Image folders")
struct ImageFolderTests {
    /// Writes `bytes` at `path` (folders created) under `root`.
    @discardableResult
    static func put(_ bytes: [UInt8], _ path: String, in root: URL) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    static func gray(_ value: UInt8, side: Int = 2) throws -> [UInt8] {
        try PNGEncoding.gray8(width: side, height: side, pixels: [UInt8](repeating: value, count: side * side))
    }

    @Test("classes are the sub-folders sorted, labels their index; hidden and non-image files are ignored")
    func layout() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.url
        try Self.put(try Self.gray(10), "dog/b.png", in: root)
        try Self.put(try Self.gray(20), "dog/a.png", in: root)
        try Self.put(try Self.gray(30), "dog/nested/c.png", in: root)
        try Self.put(try Self.gray(40), "Cat/x.png", in: root)
        try Self.put(try Self.gray(50), "cat/y.PNG", in: root)
        try Self.put([1, 2, 3], "cat/.DS_Store", in: root)
        try Self.put(Array("notes".utf8), "cat/README.txt", in: root)
        try Self.put(try Self.gray(60), ".hidden/z.png", in: root)
        try Self.put([0], "stray.txt", in: root)
        let folder = try ImageFolder(root: root)
        #expect(folder.classes == ["Cat", "cat", "dog"])  // code-point order, as Python's sorted()
        #expect(folder.entries.map(\.url.lastPathComponent) == ["x.png", "y.PNG", "a.png", "b.png", "c.png"])
        #expect(folder.entries.map(\.label) == [0, 1, 2, 2, 2])
        let loaded = try ImageFolderDataset(folder: folder)
        #expect(loaded.dataset.exampleShape == [2, 2, 1])
        #expect(loaded.dataset.classCount == 3)
        #expect(loaded.dataset.labels == [0, 1, 2, 2, 2])
        let firstPixels = (0..<5).map { loaded.dataset.features.scalars[$0 * 4] }
        #expect(firstPixels == [40, 50, 20, 10, 30].map { Float($0) / 255 })
        #expect(ImageFolder.looksLikeImageFolder(root))
    }

    @Test("an MNIST digit written as an 8-bit gray PNG gives the floats of its IDX record")
    func mnistDigitsMatchIDX() throws {
        let test = try MNIST.loadTest(directory: MNIST.bundledDirectory)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let count = 50
        for index in 0..<count {
            let pixels = (0..<784).map { UInt8((test.features.scalars[index * 784 + $0] * 255).rounded()) }
            try Self.put(
                try PNGEncoding.gray8(width: 28, height: 28, pixels: pixels),
                "\(test.labels[index])/\(String(format: "%05d", index)).png", in: directory.url)
        }
        let loaded = try ImageFolderDataset(root: directory.url)
        #expect(loaded.dataset.exampleShape == MNIST.exampleShape)
        // The folder holds the digits class by class; compare each with its IDX record.
        let order = (0..<count).sorted { (test.labels[$0], $0) < (test.labels[$1], $1) }
        for (slot, index) in order.enumerated() {
            let fromPNG = Array(loaded.dataset.features.scalars[(slot * 784)..<((slot + 1) * 784)])
            let fromIDX = Array(test.features.scalars[(index * 784)..<((index + 1) * 784)])
            #expect(fromPNG == fromIDX, "digit \(index)")
            #expect(Int(loaded.classes[Int(loaded.dataset.labels[slot])]) == Int(test.labels[index]))
        }
    }

    @Test("colour becomes gray by luma for one channel; gray is copied to three")
    func channels() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let colour: [UInt16] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        try Self.put(
            try PNGEncoding.encode(width: 2, height: 2, colorType: 2, bitDepth: 8, samples: colour), "a/c.png",
            in: directory.url)
        try Self.put(
            try PNGEncoding.gray8(width: 2, height: 2, pixels: [0, 51, 102, 255]), "b/g.png", in: directory.url)
        let gray = try ImageFolderDataset(root: directory.url, options: ImageFolderOptions(channels: 1))
        let luma = { (r: Float, g: Float, b: Float) in 0.299 * (r / 255) + 0.587 * (g / 255) + 0.114 * (b / 255) }
        #expect(
            Array(gray.dataset.features.scalars[0..<4]) == [
                luma(255, 0, 0), luma(0, 255, 0), luma(0, 0, 255), luma(10, 20, 30),
            ])
        #expect(Array(gray.dataset.features.scalars[4..<8]) == [0, 51, 102, 255].map { Float($0) / 255 })
        // Default: colour, since one image is in colour; the gray image's value is copied to each channel.
        let rgb = try ImageFolderDataset(root: directory.url)
        #expect(rgb.dataset.exampleShape == [2, 2, 3])
        #expect(Array(rgb.dataset.features.scalars[0..<3]) == [1, 0, 0])
        #expect(Array(rgb.dataset.features.scalars[12..<18]) == [0, 0, 0, 0.2, 0.2, 0.2])
    }

    @Test("16-bit and low-bit-depth samples scale by their own maximum")
    func depths() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.put(
            try PNGEncoding.encode(width: 2, height: 1, colorType: 0, bitDepth: 16, samples: [65535, 13107]), "a/x.png",
            in: directory.url)
        try Self.put(
            try PNGEncoding.encode(width: 2, height: 1, colorType: 0, bitDepth: 2, samples: [3, 1]), "b/y.png",
            in: directory.url)
        let loaded = try ImageFolderDataset(root: directory.url)
        #expect(loaded.dataset.features.scalars == [1, Float(13107) / 65535, 1, Float(1) / 3])
    }

    @Test("resizes bilinearly with pixel centres aligned when sizes differ")
    func resize() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.put(
            try PNGEncoding.gray8(width: 2, height: 2, pixels: [0, 255, 0, 255]), "a/small.png", in: directory.url)
        try Self.put(try Self.gray(51, side: 4), "b/large.png", in: directory.url)
        #expect(throws: ImageError.self) { try ImageFolderDataset(root: directory.url) }
        let loaded = try ImageFolderDataset(root: directory.url, options: ImageFolderOptions(side: 4))
        #expect(loaded.dataset.exampleShape == [4, 4, 1])
        let row: [Float] = [0, 0.25, 0.75, 1]
        #expect(Array(loaded.dataset.features.scalars[0..<16]) == row + row + row + row)
        #expect(Array(loaded.dataset.features.scalars[16..<32]) == [Float](repeating: 0.2, count: 16))
    }

    /// The error of loading `root`, which must name `path`.
    func expectRefused(
        _ root: URL, naming path: String, _ text: String, options: ImageFolderOptions = .init(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try ImageFolderDataset(root: root, options: options)
            Issue.record("loaded without error", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)".contains(path), "\(error)", sourceLocation: sourceLocation)
            #expect("\(error)".contains(text), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("bad layouts and bad images are refused, naming the folder or file")
    func badFolders() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.url
        expectRefused(root.appendingPathComponent("nowhere"), naming: "nowhere", "not a folder of images")
        try Self.put(try Self.gray(1), "loose.png", in: root)
        expectRefused(root, naming: root.path, "no class folders")
        try Self.put(try Self.gray(1), "a/one.png", in: root)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("b"), withIntermediateDirectories: true)
        try Self.put([0], "b/notes.txt", in: root)
        expectRefused(root, naming: root.appendingPathComponent("b").path, "the class folder holds no PNG image")
        try Self.put(try Self.gray(2, side: 3), "b/two.png", in: root)
        expectRefused(root, naming: root.appendingPathComponent("b/two.png").path, "the image is 3×3, but")
        expectRefused(root, naming: "the image size", "between 1 and 8192", options: ImageFolderOptions(side: 0))
        expectRefused(
            root, naming: "the image channels", "1 (gray) or 3 (colour)", options: ImageFolderOptions(channels: 2))
        var corrupt = try Self.gray(3)
        corrupt[corrupt.count - 20] ^= 0xff
        try Self.put(corrupt, "b/three.png", in: root)
        expectRefused(
            root, naming: root.appendingPathComponent("b/three.png").path, "does not match", options: .init(side: 2))
        try Self.put([0xff, 0xd8, 0xff, 0xe0], "a/photo.JPG", in: root)
        expectRefused(
            root, naming: root.appendingPathComponent("a/photo.JPG").path, "JPEG is not supported yet; convert to PNG")
        try FileManager.default.removeItem(at: root.appendingPathComponent("a/photo.JPG"))
        try Self.put([0x42, 0x4d], "a/bitmap.bmp", in: root)
        expectRefused(root, naming: "a/bitmap.bmp", "BMP images are not supported; convert to PNG")
    }

    @Test("refuses a folder whose examples would not fit in memory, before decoding an image")
    func memoryBudget() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.put(try Self.gray(1, side: 4), "a/x.png", in: directory.url)
        var corrupt = try Self.gray(1, side: 4)
        corrupt[corrupt.count - 20] ^= 0xff  // a bad IDAT: reported only if the image were decoded
        try Self.put(corrupt, "b/y.png", in: directory.url)
        let tiny = MemoryBudget(availableBytes: 100, limitedBy: "a test budget")
        do {
            _ = try ImageFolderDataset(root: directory.url, options: ImageFolderOptions(side: 64), budget: tiny)
            Issue.record("loaded past its budget")
        } catch {
            guard case .insufficientMemory(let root, let examples, _, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(root == directory.url.path && examples == 2)
            #expect("\(error)".contains("give a smaller --image-size or fewer images"))
        }
    }

    @Test("the held-out split is seeded, disjoint and in folder order")
    func split() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for index in 0..<20 {
            try Self.put(
                try Self.gray(UInt8(index)), "\(index % 2)/\(String(format: "%02d", index)).png", in: directory.url)
        }
        let loaded = try ImageFolderDataset(root: directory.url)
        let first = try loaded.split(testFraction: 0.25, seed: 9)
        let again = try loaded.split(testFraction: 0.25, seed: 9)
        #expect(first.test.count == 5 && first.train.count == 15)
        #expect(first.test.features.scalars == again.test.features.scalars)
        let values = { (data: Dataset) in Set((0..<data.count).map { data.features.scalars[$0 * 4] }) }
        #expect(values(first.test).isDisjoint(with: values(first.train)))
        #expect(values(first.test).union(values(first.train)).count == 20)
        #expect(first.test.features.scalars != (try loaded.split(testFraction: 0.25, seed: 10)).test.features.scalars)
        #expect(throws: ImageError.self) { try loaded.split(testFraction: 1, seed: 9) }
    }

    @Test("a --data or evaluation: image folder loads through DatasetSource: whole as a test set, split for training")
    func datasetSource() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for index in 0..<10 {
            try Self.put(try Self.gray(UInt8(index)), "\(["ant", "bee"][index % 2])/\(index).png", in: directory.url)
        }
        let source = DatasetSource(argument: directory.url.path)
        #expect(source == .directory(URL(fileURLWithPath: directory.url.path, isDirectory: true)))
        let test = try source.loadTest()
        #expect(test.count == 10 && test.classCount == 2 && test.exampleShape == [2, 2, 1])
        let split = try source.load()
        #expect(split.test.count == 2 && split.train.count == 8)
        let expected = try ImageFolderDataset(root: directory.url).split(
            testFraction: DatasetSource.imageFolderTestFraction, seed: DatasetSource.imageFolderSplitSeed)
        #expect(split.test.features.scalars == expected.test.features.scalars)
        try Self.put([1, 2, 3], "bee/bad.png", in: directory.url)
        #expect(throws: DataError.image(.notPNG(file: directory.url.appendingPathComponent("bee/bad.png").path))) {
            try source.loadTest()
        }
    }

    @Test("folders with other classes are named with what is missing and what is extra")
    func classMismatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.put(try Self.gray(1), "train/cat/a.png", in: directory.url)
        try Self.put(try Self.gray(1), "train/dog/a.png", in: directory.url)
        try Self.put(try Self.gray(1), "test/cat/a.png", in: directory.url)
        try Self.put(try Self.gray(1), "test/cow/a.png", in: directory.url)
        let train = try ImageFolderDataset(root: directory.url.appendingPathComponent("train"))
        let test = try ImageFolderDataset(root: directory.url.appendingPathComponent("test"))
        do {
            try train.checkSameClasses(as: test)
            Issue.record("accepted other classes")
        } catch {
            #expect("\(error)".contains("test: its classes [cat, cow] differ"), "\(error)")
            #expect("\(error)".contains("missing dog; extra cow"), "\(error)")
        }
        // A folder of IDX files is not an image folder.
        try Self.put([0], "idx/train-images-idx3-ubyte", in: directory.url)
        try Self.put([0], "idx/sub/x.png", in: directory.url)
        #expect(!ImageFolder.looksLikeImageFolder(directory.url.appendingPathComponent("idx")))
    }
}
