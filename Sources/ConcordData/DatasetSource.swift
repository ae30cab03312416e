import ConcordSystem
import Foundation

/// Where the command line gets its data: a dataset bundled by name, a directory of IDX files, or an image folder
/// (`ROOT/CLASS/*.png`, see ``ImageFolder``).
public enum DatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// A dataset shipped with ConcordData, by name (see ``knownNames``).
    case named(String)
    /// A directory holding the four MNIST-layout IDX files, raw or gzip-compressed; or an image folder, one
    /// sub-folder of PNG images per class (``ImageFolder/looksLikeImageFolder(_:)`` tells them apart).
    case directory(URL)

    /// The share of an image folder's images ``load()`` holds out for the test set (as a table's default).
    public static let imageFolderTestFraction = 0.2
    /// The seed of that held-out split.
    public static let imageFolderSplitSeed: UInt64 = 1

    /// The names ``named(_:)`` accepts.
    public static let knownNames = ["mnist"]

    /// Interprets a command-line argument: a known name becomes ``named(_:)``; a path (it contains
    /// `/`, starts with `.` or `~`, or names an existing directory) ``directory(_:)``; anything else
    /// ``named(_:)``, which ``load()`` rejects with the list of known names.
    ///
    /// - Parameter argument: A dataset name such as `mnist`, or a directory path.
    public init(argument: String) {
        var isDirectory: ObjCBool = false
        let looksLikePath = argument.contains("/") || argument.hasPrefix(".") || argument.hasPrefix("~")
        if Self.knownNames.contains(argument.lowercased()) {
            self = .named(argument.lowercased())
        } else if looksLikePath
            || (FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) && isDirectory.boolValue)
        {
            let expanded = (argument as NSString).expandingTildeInPath
            self = .directory(URL(fileURLWithPath: expanded, isDirectory: true))
        } else {
            self = .named(argument)
        }
    }

    /// Loads the dataset.
    ///
    /// An image folder is loaded at its images' own size and channels, and a seeded ``imageFolderTestFraction`` of
    /// it is held out (``ImageFolderDataset/split(testFraction:seed:)``).
    ///
    /// - Returns: Its training and test sets.
    /// - Throws: ``DataError/unknownDataset(name:known:)`` listing ``knownNames`` for an unknown name,
    ///   or any ``DataError`` from reading the files.
    public func load() throws(DataError) -> DatasetSplit {
        switch self {
        case .named(let name):
            switch name.lowercased() {
            case "mnist": return try MNIST.loadBundled()
            default: throw .unknownDataset(name: name, known: Self.knownNames)
            }
        case .directory(let url):
            if ImageFolder.looksLikeImageFolder(url) {
                do {
                    return try ImageFolderDataset(root: url).split(
                        testFraction: Self.imageFolderTestFraction, seed: Self.imageFolderSplitSeed)
                } catch {
                    throw .image(error)
                }
            }
            return try MNIST.load(directory: url)
        }
    }

    /// Loads only the test set (what a coordinator evaluates on), skipping the training files. An image folder is
    /// the test set whole, at its images' own size and channels.
    ///
    /// - Parameter budget: The memory loading may use (see ``MNIST/loadTest(directory:budget:)``).
    /// - Throws: ``DataError`` as ``load()``.
    public func loadTest(budget: MemoryBudget = .current()) throws(DataError) -> Dataset {
        switch self {
        case .named(let name):
            switch name.lowercased() {
            case "mnist": return try MNIST.loadTest(directory: MNIST.bundledDirectory, budget: budget)
            default: throw .unknownDataset(name: name, known: Self.knownNames)
            }
        case .directory(let url):
            if ImageFolder.looksLikeImageFolder(url) {
                do {
                    return try ImageFolderDataset(root: url, budget: budget).dataset
                } catch {
                    throw .image(error)
                }
            }
            return try MNIST.loadTest(directory: url, budget: budget)
        }
    }

    /// The name, or the directory's path.
    public var description: String {
        switch self {
        case .named(let name): name
        case .directory(let url): url.path
        }
    }
}
