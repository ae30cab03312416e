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
    /// - Parameter url: The file to read.
    /// - Returns: The parsed array.
    /// - Throws: ``DataError`` naming the file when it cannot be read, is corrupt gzip,
    ///   or is not a well-formed unsigned-byte IDX file.
    public static func read(contentsOf url: URL) throws(DataError) -> IDXArray {
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
        return try decode(data, source: path)
    }

    /// Parses the bytes of an IDX file, decompressing them first if they start with the gzip magic `1f 8b`.
    ///
    /// - Parameters:
    ///   - data: The file's bytes, raw or gzip-compressed.
    ///   - source: The name used in error messages (usually the file's path).
    /// - Returns: The parsed array.
    /// - Throws: ``DataError`` naming `source` when the bytes are corrupt gzip, declare more than they hold, or
    ///   are not a well-formed unsigned-byte IDX file.
    public static func decode(_ data: Data, source: String) throws(DataError) -> IDXArray {
        let decoded = data.withUnsafeBytes { raw -> Result<[UInt8], DataError> in
            guard Gzip.hasMagic(raw) else { return .success(copyBytes(raw)) }
            return Result { () throws(DataError) in try decompress(raw, source: source) }
        }
        return try parse(decoded.get(), source: source)
    }

    /// Decompresses a gzip IDX file no further than its header says it holds: the header is inflated first, its
    /// size checked against what the compressed bytes could expand to, and the rest inflated with that size as
    /// the limit, so a small file that declares (or inflates to) gigabytes is refused before they are allocated.
    ///
    /// - Throws: ``DataError`` for a bad header or a size the file cannot hold, ``DataError/corruptGzip(file:reason:)``
    ///   when the stream is corrupt or inflates to more than the header declares.
    static func decompress(_ raw: UnsafeRawBufferPointer, source: String) throws(DataError) -> [UInt8] {
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
