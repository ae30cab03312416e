import ConcordSystem
import Foundation

/// Where the command line gets its data: a dataset bundled by name, or a directory of IDX files.
public enum DatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// A dataset shipped with ConcordData, by name (see ``knownNames``).
    case named(String)
    /// A directory holding the four MNIST-layout IDX files, raw or gzip-compressed.
    case directory(URL)

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
            return try MNIST.load(directory: url)
        }
    }

    /// Loads only the test set (what a coordinator evaluates on), skipping the training files.
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
