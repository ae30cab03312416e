import ConcordSystem

/// Why an image, or a folder of images, could not be loaded; every message names the file or folder.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadableFile(file: String, reason: String)
    /// The file is larger than an image file may be (``PNGDecoder/maxFileBytes``).
    case fileTooLarge(file: String, bytes: Int, limit: Int)
    /// The file does not start with the PNG signature.
    case notPNG(file: String)
    /// The file ends inside the signature, a chunk, or before its IEND chunk.
    case truncated(file: String, reason: String)
    /// A chunk's CRC does not match its contents.
    case badCRC(file: String, chunk: String, offset: Int)
    /// The file's structure breaks the PNG specification (`reason` says how).
    case malformed(file: String, reason: String)
    /// The image declares more pixels than ``PNGDecoder/maxPixels``: refused before anything is allocated for it.
    case tooManyPixels(file: String, width: Int, height: Int, limit: Int)
    /// The compressed image data could not be inflated.
    case corruptImageData(file: String, reason: String)
    /// The file is a JPEG, which Concord cannot decode yet.
    case jpegNotSupported(file: String)
    /// The file is an image in a format Concord does not read.
    case unsupportedFormat(file: String, format: String)
    /// The folder does not exist or is not a directory.
    case notAFolder(path: String)
    /// The root holds no class sub-folders.
    case noClassFolders(root: String)
    /// A class folder holds no image.
    case emptyClassFolder(folder: String)
    /// An image's size differs from the first image's, and no common size was asked for.
    case inconsistentSize(file: String, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int, first: String)
    /// Two folders that must hold the same classes do not (training and test data, or a node and its run).
    case classMismatch(folder: String, found: [String], expected: [String], expectedFrom: String)
    /// The examples would take `neededBytes` as floats, more than `budget` leaves.
    case insufficientMemory(root: String, examples: Int, neededBytes: Int, budget: MemoryBudget)
    /// An option of the loader is out of range.
    case invalidOption(String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .unreadableFile(let file, let reason):
            return "\(file): cannot read the image (\(reason))"
        case .fileTooLarge(let file, let bytes, let limit):
            return "\(file): \(bytes) bytes is larger than an image file may be (\(limit) bytes)"
        case .notPNG(let file):
            return "\(file): not a PNG file (the PNG signature 89 50 4E 47 0D 0A 1A 0A is missing)"
        case .truncated(let file, let reason):
            return "\(file): truncated PNG (\(reason))"
        case .badCRC(let file, let chunk, let offset):
            return
                "\(file): the CRC of the \(chunk) chunk at byte \(offset) does not match its data; the file is corrupt"
        case .malformed(let file, let reason):
            return "\(file): malformed PNG (\(reason))"
        case .tooManyPixels(let file, let width, let height, let limit):
            return "\(file): the image declares \(width)×\(height) pixels, more than the \(limit) an image may have"
        case .corruptImageData(let file, let reason):
            return "\(file): corrupt PNG image data (\(reason))"
        case .jpegNotSupported(let file):
            return "\(file): JPEG is not supported yet; convert to PNG"
        case .unsupportedFormat(let file, let format):
            return "\(file): \(format) images are not supported; convert to PNG"
        case .notAFolder(let path):
            return "\(path): not a folder of images"
        case .noClassFolders(let root):
            return "\(root): no class folders; an image folder holds one sub-folder per class (ROOT/CLASS/*.png)"
        case .emptyClassFolder(let folder):
            return "\(folder): the class folder holds no PNG image"
        case .inconsistentSize(let file, let width, let height, let expectedWidth, let expectedHeight, let first):
            return "\(file): the image is \(width)×\(height), but \(first) is \(expectedWidth)×\(expectedHeight); "
                + "give --image-size N to resize every image to N×N"
        case .classMismatch(let folder, let found, let expected, let expectedFrom):
            let missing = expected.filter { !found.contains($0) }
            let extra = found.filter { !expected.contains($0) }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("extra \(extra.joined(separator: ", "))") }
            if parts.isEmpty { parts.append("in another order") }
            return "\(folder): its classes [\(found.joined(separator: ", "))] differ from those of \(expectedFrom) "
                + "[\(expected.joined(separator: ", "))]: \(parts.joined(separator: "; "))"
        case .insufficientMemory(let root, let examples, let needed, let budget):
            return "\(root): \(examples) images need \(ByteCountText.describe(needed)) as floats and "
                + "\(ByteCountText.describe(budget.availableBytes)) are available (\(budget.limitedBy)); "
                + "give a smaller --image-size or fewer images"
        case .invalidOption(let reason):
            return reason
        }
    }
}
