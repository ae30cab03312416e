import ConcordSystem

/// Errors raised while locating, reading or validating a dataset; each message names the file.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A required file is not in the directory; `expected` lists every file the loader looks for.
    case missingFile(name: String, directory: String, expected: [String])
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file does not start with the IDX magic `00 00 <type> <rank>`.
    case badMagic(file: String, found: [UInt8])
    /// The IDX element type is not unsigned byte (0x08).
    case unsupportedDataType(file: String, code: UInt8)
    /// The file ends before the header or the payload it declares.
    case truncated(file: String, expectedBytes: Int, foundBytes: Int)
    /// The file holds more bytes than its header declares.
    case trailingData(file: String, expectedBytes: Int, foundBytes: Int)
    /// The declared dimensions describe more bytes than can be addressed.
    case dimensionsTooLarge(file: String, dimensions: [Int])
    /// A compressed file's header declares more bytes than the file could decompress to (`capacity`, from the
    /// deflate format's maximum ratio): a corrupt header, refused before anything is allocated for it.
    case declaredSizeExceedsFile(file: String, dimensions: [Int], declaredBytes: Int, fileBytes: Int, capacity: Int)
    /// Loading the file would need `neededBytes` (its bytes plus 4 for each element once converted), more than
    /// `budget` leaves: refused before anything is decompressed or converted.
    case insufficientMemory(file: String, dimensions: [Int], neededBytes: Int, budget: MemoryBudget)
    /// The gzip stream is truncated or corrupt.
    case corruptGzip(file: String, reason: GzipError)
    /// The image and label files hold different numbers of examples.
    case countMismatch(imagesFile: String, imageCount: Int, labelsFile: String, labelCount: Int)
    /// A label is not a valid class index.
    case labelOutOfRange(file: String, index: Int, label: Int, classCount: Int)
    /// The file's dimensions are not the ones the dataset requires.
    case wrongDimensions(file: String, expected: String, found: [Int])
    /// No dataset is known by this name.
    case unknownDataset(name: String, known: [String])
    /// A resource expected in the ConcordData bundle is absent.
    case missingBundledResource(name: String)
    /// A partition scheme (parsed from `text`, or built in code and shown as `text`) is not valid;
    /// `reason` says what is wrong and the message lists the accepted forms.
    case invalidPartitionScheme(text: String, reason: String)
    /// The number of clients is not in `1...examples`.
    case invalidClientCount(clients: Int, examples: Int)
    /// The shard partition (McMahan et al. 2017) needs at least one example per shard.
    case tooFewExamplesForShards(examples: Int, shards: Int)
    /// A partitioner was given a class count that is not positive.
    case invalidClassCount(Int)
    /// A label handed to a partitioner is not in `0..<classCount`.
    case partitionLabelOutOfRange(index: Int, label: Int, classCount: Int)
    /// A client's index list names an example outside `0..<count`.
    case partitionIndexOutOfRange(client: Int, index: Int, count: Int)
    /// An image folder, or one of its images, could not be loaded.
    case image(ImageError)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .missingFile(let name, let directory, let expected):
            let list = expected.map { "\($0)[.gz]" }.joined(separator: ", ")
            return "\(directory): missing \(name) (or \(name).gz); the directory must hold \(list)"
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read file (\(reason))"
        case .badMagic(let file, let found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(file): not an IDX file (expected magic 00 00 <type> <rank>, found \(hex))"
        case .unsupportedDataType(let file, let code):
            let name = IDXDataType.name(of: code).map { " (\($0))" } ?? ""
            return "\(file): unsupported IDX element type 0x\(String(code, radix: 16).leftPadded(to: 2))\(name);"
                + " only 0x08 (unsigned byte) is supported"
        case .truncated(let file, let expected, let found):
            return "\(file): truncated data (expected \(expected) bytes, found \(found))"
        case .trailingData(let file, let expected, let found):
            return
                "\(file): \(found - expected) unexpected bytes after the data (expected \(expected) bytes, found \(found))"
        case .dimensionsTooLarge(let file, let dimensions):
            return "\(file): dimensions \(dimensions) describe more data than can be addressed; the header is corrupt"
        case .declaredSizeExceedsFile(let file, let dimensions, let declared, let fileBytes, let capacity):
            return "\(file): dimensions \(dimensions) declare \(declared) bytes, but a gzip file of \(fileBytes) bytes "
                + "decompresses to at most \(capacity); the header is corrupt or the file is truncated"
        case .insufficientMemory(let file, let dimensions, let needed, let budget):
            return "\(file) declares \(Self.describe(dimensions)): loading needs \(ByteCountText.describe(needed)) "
                + "and \(ByteCountText.describe(budget.availableBytes)) are available (\(budget.limitedBy)); "
                + "load a smaller file (concord partition splits one) or give the process more memory"
        case .corruptGzip(let file, let reason):
            return "\(file): corrupt gzip: \(reason)"
        case .countMismatch(let imagesFile, let imageCount, let labelsFile, let labelCount):
            return "\(imagesFile) holds \(imageCount) images but \(labelsFile) holds \(labelCount) labels"
        case .labelOutOfRange(let file, let index, let label, let classCount):
            return "\(file): label \(label) at index \(index) is out of range (must be in 0..<\(classCount))"
        case .wrongDimensions(let file, let expected, let found):
            return "\(file): wrong dimensions \(found) (expected \(expected))"
        case .unknownDataset(let name, let known):
            return "unknown dataset '\(name)'; known datasets: \(known.joined(separator: ", "))"
                + " (or pass a directory of IDX files)"
        case .missingBundledResource(let name):
            return "the bundled data '\(name)' was not found beside the executable (Concord_ConcordData.resources) "
                + "nor in the source tree; set CONCORD_RESOURCES to the folder holding '\(name)', "
                + "or pass the data's directory with --data"
        case .invalidPartitionScheme(let text, let reason):
            return "invalid partition scheme '\(text)': \(reason); accepted forms: "
                + PartitionScheme.acceptedForms.joined(separator: ", ")
        case .invalidClientCount(let clients, let examples):
            return "cannot partition \(examples) examples among \(clients) clients:"
                + " the number of clients must be between 1 and the number of examples"
        case .tooFewExamplesForShards(let examples, let shards):
            return "cannot cut \(examples) examples into \(shards) shards (clients × shards per client):"
                + " use fewer clients or fewer shards per client"
        case .invalidClassCount(let count):
            return "the class count must be positive, got \(count)"
        case .partitionLabelOutOfRange(let index, let label, let classCount):
            return "label \(label) of example \(index) is out of range (must be in 0..<\(classCount))"
        case .partitionIndexOutOfRange(let client, let index, let count):
            return "client \(client) lists example \(index), outside the dataset's 0..<\(count)"
        case .image(let error):
            return error.description
        }
    }
}

extension DataError {
    /// "3,000,000 images of 28×28", "60,000 values": the declared extent of an IDX file, outermost first.
    static func describe(_ dimensions: [Int]) -> String {
        guard let count = dimensions.first else { return "a single value" }
        let inner = dimensions.dropFirst().map(String.init).joined(separator: "×")
        let items = ByteCountText.grouped(count)
        switch dimensions.count {
        case 1: return "\(items) values"
        case 2: return "\(items) rows of \(inner)"
        case 3: return "\(items) images of \(inner)"
        default: return "\(items) arrays of \(inner)"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
