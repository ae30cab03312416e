import ConcordData
import ConcordTesting
import Foundation
import Testing

/// `concord simulate --data DIR` and `concord node --data DIR` on image folders (`DIR/CLASS/*.png`): MNIST digits as
/// PNGs train exactly as the same digits as IDX files, and bad folders are refused naming the folder or file.
@Suite("concord on image folders")
struct ImageFolderSimulateTests {
    /// Bundled MNIST test digits `range` as gray PNGs in `root/LABEL/NNNNN.png`, and the same digits, in the folder's
    /// order (class by class, then by file name), as the IDX pair `prefix-images-idx3-ubyte` / `-labels-` in `idx`.
    static func write(
        _ digits: Dataset, _ range: Range<Int>, pngRoot: URL, idx: URL, prefix: String
    ) throws {
        let order = range.sorted { (digits.labels[$0], $0) < (digits.labels[$1], $1) }
        var images: [UInt8] = []
        for index in order {
            let pixels = (0..<784).map { UInt8((digits.features.scalars[index * 784 + $0] * 255).rounded()) }
            images += pixels
            let folder = pngRoot.appendingPathComponent("\(digits.labels[index])", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(try PNGEncoding.gray8(width: 28, height: 28, pixels: pixels))
                .write(to: folder.appendingPathComponent(String(format: "%05d.png", index)))
        }
        try IDXReader.write(
            dimensions: [order.count, 28, 28], elements: images,
            to: idx.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
        try IDXReader.write(
            dimensions: [order.count], elements: order.map { UInt8(digits.labels[$0]) },
            to: idx.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-images-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("MNIST digits as a PNG folder train to the byte-identical model of the same digits as IDX")
    func pngFolderMatchesIDX() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let digits = try MNIST.loadTest(directory: MNIST.bundledDirectory)
        let (train, test, idx) = (
            directory.appendingPathComponent("train"), directory.appendingPathComponent("test"),
            directory.appendingPathComponent("idx")
        )
        try FileManager.default.createDirectory(at: idx, withIntermediateDirectories: true)
        try Self.write(digits, 0..<300, pngRoot: train, idx: idx, prefix: "train")
        try Self.write(digits, 300..<400, pngRoot: test, idx: idx, prefix: "t10k")
        let common = [
            "simulate", "--model", "mlp:32", "--clients", "5", "--fraction", "1", "--rounds", "5", "--local-epochs",
            "5",
            "--batch-size", "10", "--lr", "0.1", "--seed", "7", "--concurrency", "2",
        ]
        var models: [Data] = []
        var accuracies: [Double] = []
        for data in [["--data", train.path, "--test-data", test.path], ["--data", idx.path]] {
            let model = directory.appendingPathComponent("model-\(models.count).safetensors")
            let report = directory.appendingPathComponent("report-\(models.count).json")
            let result = try await Concord.run(common + data + ["--save", model.path, "--report", report.path])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            models.append(try Data(contentsOf: model))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
            accuracies.append(try #require(json["final_test_accuracy"] as? Double))
            if data.contains("--test-data") {
                #expect(result.stdout.contains("300 images of \(train.path), 10 classes"), "\(result.stdout)")
                #expect(result.stdout.contains("as 28×28×1; 100 test images from \(test.path)"), "\(result.stdout)")
            }
        }
        print(
            "image folder vs IDX, 300 MNIST digits, mlp:32, 5 rounds: final test accuracy \(accuracies), "
                + "models byte-identical: \(models[0] == models[1]) (\(models[0].count) bytes)")
        #expect(accuracies[0] == accuracies[1])
        #expect(accuracies[0] > 0.5, "\(accuracies)")  // it learnt: chance is 0.1
        #expect(models[0] == models[1], "the two runs' final models differ")
    }

    @Test("without --test-data a seeded share of the folder is held out; colour and resizing apply")
    func heldOutSplitAndOptions() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<40 {
            let label = index % 2
            let folder = directory.appendingPathComponent(label == 0 ? "dark" : "light", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let value = UInt16(label == 0 ? 20 + index : 200 + index)
            let png = try PNGEncoding.encode(
                width: 8, height: 8, colorType: 2, bitDepth: 8, samples: [UInt16](repeating: value, count: 192))
            try Data(png).write(to: folder.appendingPathComponent("\(index).png"))
        }
        let result = try await Concord.run([
            "simulate", "--data", directory.path, "--model", "logreg", "--clients", "2", "--fraction", "1",
            "--rounds", "2", "--image-size", "4", "--channels", "1", "--test-fraction", "0.25",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(
            result.stdout.contains("40 images of \(directory.path), 2 classes (dark, light) as 4×4×1"),
            "\(result.stdout)")
        #expect(result.stdout.contains("10 test images held out (--test-fraction 0.25)"), "\(result.stdout)")
    }

    @Test("a JPEG, a corrupt image or other test classes are refused, naming the file or folder")
    func badFolders() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let train = directory.appendingPathComponent("train")
        let test = directory.appendingPathComponent("test")
        for (root, classes) in [(train, ["a", "b"]), (test, ["a", "c"])] {
            for name in classes {
                let folder = root.appendingPathComponent(name, isDirectory: true)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for index in 0..<3 {
                    try Data(
                        try PNGEncoding.gray8(width: 2, height: 2, pixels: [UInt8](repeating: UInt8(index), count: 4))
                    )
                    .write(to: folder.appendingPathComponent("\(index).png"))
                }
            }
        }
        let base = ["simulate", "--model", "logreg", "--clients", "2", "--rounds", "1"]
        var result = try await Concord.run(base + ["--data", train.path, "--test-data", test.path])
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("\(test.path): its classes [a, c] differ from those of \(train.path)"),
            "\(result.stderr)")
        let jpeg = train.appendingPathComponent("b/photo.jpeg")
        try Data([0xff, 0xd8, 0xff]).write(to: jpeg)
        result = try await Concord.run(base + ["--data", train.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(jpeg.path): JPEG is not supported yet; convert to PNG"), "\(result.stderr)")
        try FileManager.default.removeItem(at: jpeg)
        let corrupt = train.appendingPathComponent("a/1.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A]).write(to: corrupt)
        result = try await Concord.run(base + ["--data", train.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(corrupt.path): truncated PNG"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        result = try await Concord.run(base + ["--data", test.path, "--image-size", "0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("between 1 and 8192"), "\(result.stderr)")
    }

    @Test("a node refuses to join when its folder's classes are not the run's")
    func nodeClassMismatch() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["cat", "dog"] {
            let folder = directory.appendingPathComponent(name, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(try PNGEncoding.gray8(width: 2, height: 2, pixels: [1, 2, 3, 4]))
                .write(to: folder.appendingPathComponent("x.png"))
        }
        let result = try await Concord.run([
            "node", "--server", "127.0.0.1:9", "--insecure", "--name", "n1", "--data", directory.path,
            "--classes", "cat,cow",
        ])
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("differ from those of the run (--classes) [cat, cow]: missing cow; extra dog"),
            "\(result.stderr)")
    }
}
