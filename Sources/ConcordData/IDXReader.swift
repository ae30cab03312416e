import ConcordSystem
import Foundation

/// The element types an IDX header can declare (its third magic byte).
public enum IDXDataType: UInt8, Sendable, CaseIterable {
    /// 0x08, the only type ConcordData reads (MNIST uses it).
    case unsignedByte = 0x08
    /// 0x09.
    case signedByte = 0x09
    /// 0x0B, big-endian 16-bit integers.
    case short = 0x0B
    /// 0x0C, big-endian 32-bit integers.
    case int = 0x0C
    /// 0x0D, big-endian 32-bit floats.
    case float = 0x0D
    /// 0x0E, big-endian 64-bit floats.
    case double = 0x0E

    /// The format's name for a type code, or `nil` if the code is not a defined IDX type.
    static func name(of code: UInt8) -> String? {
        switch IDXDataType(rawValue: code) {
        case .unsignedByte: "unsigned byte"
        case .signedByte: "signed byte"
        case .short: "16-bit integer"
        case .int: "32-bit integer"
        case .float: "32-bit float"
        case .double: "64-bit float"
        case nil: nil
        }
    }
}

/// An IDX array of unsigned bytes: its dimensions and its elements in row-major order.
public struct IDXArray: Sendable {
    /// The extent of each dimension, outermost first, as declared by the header.
    public let dimensions: [Int]
    /// The whole decoded file; the elements start after the header.
    private let storage: [UInt8]
    private let headerSize: Int

    init(dimensions: [Int], storage: [UInt8], headerSize: Int) {
        self.dimensions = dimensions
        self.storage = storage
        self.headerSize = headerSize
    }

    /// The number of elements (the product of ``dimensions``).
    public var elementCount: Int { storage.count - headerSize }

    /// A copy of the elements.
    public var elements: [UInt8] { Array(storage[headerSize...]) }

    /// Calls `body` with the elements, without copying them.
    public func withUnsafeElements<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[headerSize...]))
        }
    }
}

/// Reads IDX files (the format of MNIST), raw or gzip-compressed.
public enum IDXReader {
    /// Reads an IDX file, decompressing it first if it starts with the gzip magic `1f 8b`
    /// (whatever its extension).
    ///
    /// - Parameters:
    ///   - url: The file to read.
    ///   - budget: The memory loading may use (see ``memoryNeeded(for:)``), measured before the file is read.
    /// - Returns: The parsed array.
    /// - Throws: ``DataError`` naming the file when it cannot be read, is corrupt gzip, is not a well-formed
    ///   unsigned-byte IDX file, or declares more than `budget` can hold
    ///   (``DataError/insufficientMemory(file:dimensions:neededBytes:budget:)``).
    public static func read(contentsOf url: URL, budget: MemoryBudget = .current()) throws(DataError) -> IDXArray {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(path: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try decode(data, source: path, budget: budget)
    }

    /// Parses the bytes of an IDX file, decompressing them first if they start with the gzip magic `1f 8b`.
    ///
    /// - Parameters:
    ///   - data: The file's bytes, raw or gzip-compressed.
    ///   - source: The name used in error messages (usually the file's path).
    ///   - budget: The memory loading may still use; the header's sizes are checked against it before the
    ///     elements are copied or decompressed.
    /// - Returns: The parsed array.
    /// - Throws: ``DataError`` naming `source` when the bytes are corrupt gzip, declare more than they hold or
    ///   than `budget` allows, or are not a well-formed unsigned-byte IDX file.
    public static func decode(
        _ data: Data, source: String, budget: MemoryBudget = .current()
    ) throws(DataError) -> IDXArray {
        let decoded = data.withUnsafeBytes { raw -> Result<[UInt8], DataError> in
            Result { () throws(DataError) in
                guard Gzip.hasMagic(raw) else {
                    try checkUncompressed(raw, source: source, budget: budget)
                    return copyBytes(raw)
                }
                return try decompress(raw, source: source, budget: budget)
            }
        }
        return try parse(decoded.get(), source: source)
    }

    /// The bytes loading a file with this header takes at its peak: the decoded file, plus 4 bytes for each
    /// element, which a ``Dataset`` holds as a `Float` (pixels) or an `Int32` (labels). (A compressed file's own
    /// bytes are gone by the time the floats are made, and are far smaller.) `nil` when that overflows.
    static func memoryNeeded(for header: Header) -> Int? {
        let elements = header.totalBytes - header.headerSize
        let (converted, overflow) = elements.multipliedReportingOverflow(by: 4)
        let (total, overflowTotal) = header.totalBytes.addingReportingOverflow(converted)
        return overflow || overflowTotal ? nil : total
    }

    /// Refuses a header whose loading would need more memory than `budget` holds.
    ///
    /// - Throws: ``DataError/insufficientMemory(file:dimensions:neededBytes:budget:)``, or
    ///   ``DataError/dimensionsTooLarge(file:dimensions:)`` when the need cannot even be counted.
    static func checkMemory(_ header: Header, source: String, budget: MemoryBudget) throws(DataError) {
        guard let needed = memoryNeeded(for: header) else {
            throw .dimensionsTooLarge(file: source, dimensions: header.dimensions)
        }
        guard budget.allows(needed) else {
            throw .insufficientMemory(file: source, dimensions: header.dimensions, neededBytes: needed, budget: budget)
        }
    }

    /// Checks an uncompressed file's header against the file's size and the memory budget, before its bytes are
    /// copied: a file shorter or longer than its header says is refused as such, one that fits on disk but not
    /// in memory once converted is refused for that.
    ///
    /// - Throws: ``DataError`` as ``parse(_:source:)``, and
    ///   ``DataError/insufficientMemory(file:dimensions:neededBytes:budget:)``.
    private static func checkUncompressed(
        _ raw: UnsafeRawBufferPointer, source: String, budget: MemoryBudget
    ) throws(DataError) {
        let header = try parseHeader(Array(raw.prefix(maxHeaderSize)), source: source)
        guard raw.count >= header.totalBytes else {
            throw .truncated(file: source, expectedBytes: header.totalBytes, foundBytes: raw.count)
        }
        guard raw.count == header.totalBytes else {
            throw .trailingData(file: source, expectedBytes: header.totalBytes, foundBytes: raw.count)
        }
        try checkMemory(header, source: source, budget: budget)
    }

    /// Decompresses a gzip IDX file no further than its header says it holds: the header is inflated first, its
    /// size checked against what the compressed bytes could expand to (a corrupt header is the likelier story, so
    /// that is said first), then against the memory budget, and the rest inflated with that size as the limit, so
    /// a small file that declares (or inflates to) gigabytes is refused before they are allocated.
    ///
    /// - Throws: ``DataError`` for a bad header or a size the file cannot hold,
    ///   ``DataError/insufficientMemory(file:dimensions:neededBytes:budget:)`` for one memory cannot hold,
    ///   ``DataError/corruptGzip(file:reason:)`` when the stream is corrupt or inflates to more than the header
    ///   declares.
    static func decompress(
        _ raw: UnsafeRawBufferPointer, source: String, budget: MemoryBudget = .current()
    ) throws(DataError) -> [UInt8] {
        let head: [UInt8]
        do {
            head = try Gzip.prefix(raw, count: maxHeaderSize)
        } catch {
            throw .corruptGzip(file: source, reason: error)
        }
        let header = try parseHeader(head, source: source)
        let bound = Gzip.maxDecompressedSize(compressedCount: raw.count)
        guard header.totalBytes <= bound else {
            throw .declaredSizeExceedsFile(
                file: source, dimensions: header.dimensions, declaredBytes: header.totalBytes, fileBytes: raw.count,
                capacity: bound)
        }
        try checkMemory(header, source: source, budget: budget)
        do {
            return try Gzip.decompress(raw, limit: header.totalBytes)
        } catch {
            throw .corruptGzip(file: source, reason: error)
        }
    }

    /// The longest IDX header: the magic and 255 dimensions.
    static let maxHeaderSize = 4 + 4 * 255

    /// An IDX header: the dimensions, the header's own size and the file size they declare together.
    struct Header {
        var dimensions: [Int]
        var headerSize: Int
        var totalBytes: Int
    }

    /// Reads the header at the start of `bytes` (the whole file, or a prefix of it holding the header).
    ///
    /// - Throws: ``DataError`` for a bad magic, an element type other than unsigned byte, a header shorter than
    ///   its rank says, or dimensions whose size overflows.
    static func parseHeader(_ bytes: [UInt8], source: String) throws(DataError) -> Header {
        let length = bytes.count
        guard length >= 4 else { throw .truncated(file: source, expectedBytes: 4, foundBytes: length) }
        guard bytes[0] == 0, bytes[1] == 0 else { throw .badMagic(file: source, found: Array(bytes[0..<4])) }
        guard bytes[2] == IDXDataType.unsignedByte.rawValue else {
            throw .unsupportedDataType(file: source, code: bytes[2])
        }
        let rank = Int(bytes[3])
        let headerSize = 4 + 4 * rank
        guard length >= headerSize else {
            throw .truncated(file: source, expectedBytes: headerSize, foundBytes: length)
        }
        var dimensions: [Int] = []
        dimensions.reserveCapacity(rank)
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let extent =
                Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16
                | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            dimensions.append(extent)
        }
        var elementCount = 1
        for extent in dimensions {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw .dimensionsTooLarge(file: source, dimensions: dimensions) }
            elementCount = product
        }
        let (expected, overflow) = headerSize.addingReportingOverflow(elementCount)
        guard !overflow else { throw .dimensionsTooLarge(file: source, dimensions: dimensions) }
        return Header(dimensions: dimensions, headerSize: headerSize, totalBytes: expected)
    }

    /// Parses the bytes of an uncompressed IDX file.
    ///
    /// - Parameters:
    ///   - bytes: The whole file: magic, big-endian dimensions, then the elements.
    ///   - source: The name used in error messages (usually the file's path).
    /// - Returns: The parsed array, sharing `bytes` as its storage.
    /// - Throws: ``DataError`` for a bad magic, an element type other than unsigned byte,
    ///   a header or payload shorter than declared, or extra bytes after the payload.
    public static func parse(_ bytes: [UInt8], source: String) throws(DataError) -> IDXArray {
        let header = try parseHeader(bytes, source: source)
        let length = bytes.count, expected = header.totalBytes
        guard length >= expected else {
            throw .truncated(file: source, expectedBytes: expected, foundBytes: length)
        }
        guard length == expected else {
            throw .trailingData(file: source, expectedBytes: expected, foundBytes: length)
        }
        return IDXArray(dimensions: header.dimensions, storage: bytes, headerSize: header.headerSize)
    }

    /// Writes an uncompressed unsigned-byte IDX file (big-endian dimensions, then the elements).
    ///
    /// - Throws: ``DataError/unreadableFile(path:reason:)`` when the file cannot be written.
    public static func write(dimensions: [Int], elements: [UInt8], to url: URL) throws(DataError) {
        var bytes: [UInt8] = [0, 0, IDXDataType.unsignedByte.rawValue, UInt8(dimensions.count)]
        for extent in dimensions {
            bytes += [
                UInt8(truncatingIfNeeded: extent >> 24), UInt8(truncatingIfNeeded: extent >> 16),
                UInt8(truncatingIfNeeded: extent >> 8), UInt8(truncatingIfNeeded: extent),
            ]
        }
        bytes += elements
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .unreadableFile(path: url.path, reason: "cannot write it: \(error.localizedDescription)")
        }
    }

    /// The bytes as an array, with one `memcpy` (the generic initialiser goes byte by byte in debug builds).
    private static func copyBytes(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: raw.count) { bytes, initialized in
            if let destination = bytes.baseAddress, let source = raw.baseAddress {
                memcpy(destination, source, raw.count)
            }
            initialized = raw.count
        }
    }
}
