import CZlib
import Foundation

/// Why a gzip stream could not be decompressed; callers add the file name (see ``DataError``).
public enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before the end of the compressed stream.
    case truncated(decompressedBytes: Int)
    /// zlib rejected the data (bad header, invalid deflate data, checksum mismatch).
    case corrupt(String)
    /// Bytes that are not another gzip member follow the end of the stream.
    case trailingData(byteCount: Int)
    /// zlib could not allocate memory.
    case outOfMemory
    /// Any other zlib failure, with its return code.
    case zlib(code: Int32, message: String)
    /// The stream decompresses to more than the caller's limit (what the file's header declares, say): a
    /// corrupt file or a decompression bomb. Decompression stopped there.
    case exceedsLimit(limit: Int)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .truncated(let produced):
            "the compressed stream ends early (after \(produced) decompressed bytes); the file is truncated"
        case .corrupt(let reason):
            "the compressed data is invalid (\(reason))"
        case .trailingData(let count):
            "\(count) unexpected bytes follow the end of the compressed stream"
        case .outOfMemory:
            "out of memory while decompressing"
        case .zlib(let code, let message):
            "zlib failed with code \(code) (\(message))"
        case .exceedsLimit(let limit):
            "the data decompresses to more than the \(limit) bytes expected; the file is corrupt "
                + "(or a decompression bomb), decompression stopped there"
        }
    }
}

/// Streaming gzip/zlib decompression through the system zlib.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// The most bytes a deflate stream can expand one input byte into (zlib's documented maximum ratio is
    /// 1032:1), so a file of `n` compressed bytes cannot hold more than about `n × 1032` bytes.
    public static let maxExpansion = 1032

    /// The most bytes `compressedCount` bytes of gzip can decompress to, with slack for headers and members.
    public static func maxDecompressedSize(compressedCount: Int) -> Int {
        let (bound, overflow) = compressedCount.multipliedReportingOverflow(by: maxExpansion)
        return overflow ? Int.max : bound + 4096
    }

    /// Decompresses a gzip (or zlib) stream, including concatenated gzip members.
    ///
    /// - Parameters:
    ///   - input: The compressed bytes.
    ///   - limit: The most bytes the result may hold; decompression stops, and throws, as soon as the output
    ///     would pass it, so a small file that inflates to gigabytes (a decompression bomb) is never inflated.
    /// - Returns: The decompressed bytes.
    /// - Throws: ``GzipError`` when the stream is truncated, corrupt, followed by garbage or larger than `limit`.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int = .max) throws(GzipError) -> [UInt8] {
        try run(input, limit: limit, prefixOnly: false)
    }

    /// The first `count` decompressed bytes of a gzip (or zlib) stream, without decompressing the rest: enough to
    /// read a header that says how large the whole must be. Fewer when the stream ends, or is cut, before.
    ///
    /// - Throws: ``GzipError`` when the stream is corrupt before `count` bytes.
    public static func prefix(_ input: UnsafeRawBufferPointer, count: Int) throws(GzipError) -> [UInt8] {
        try run(input, limit: max(0, count), prefixOnly: true)
    }

    private static func run(
        _ input: UnsafeRawBufferPointer, limit: Int, prefixOnly: Bool
    ) throws(GzipError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        // 15 + 32: maximum window, and detect a gzip or zlib header automatically.
        let initStatus = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw error(for: initStatus, stream) }
        defer { inflateEnd(stream) }

        // One byte of room past the limit shows whether the stream holds more than the limit.
        let ceiling = limit == .max ? limit : limit + 1
        var capacity = max(1, min(initialCapacity(for: input), ceiling))
        guard var output = malloc(capacity)?.assumingMemoryBound(to: Bytef.self) else { throw .outOfMemory }
        defer { free(output) }
        var produced = 0
        var fed = 0  // input bytes handed to zlib so far
        let maxChunk = Int(UInt32.max)

        while true {
            if stream.pointee.avail_in == 0 && fed < input.count, let base = input.baseAddress {
                let chunk = min(input.count - fed, maxChunk)
                stream.pointee.next_in = UnsafeMutablePointer(
                    mutating: base.advanced(by: fed).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = UInt32(chunk)
                fed += chunk
            }
            if produced == capacity {
                let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
                let grown = min(overflow ? Int.max : doubled, ceiling)
                guard grown > capacity, let bigger = realloc(output, grown) else { throw .outOfMemory }
                output = bigger.assumingMemoryBound(to: Bytef.self)
                capacity = grown
            }
            let room = min(capacity - produced, maxChunk)
            stream.pointee.next_out = output.advanced(by: produced)
            stream.pointee.avail_out = UInt32(room)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += room - Int(stream.pointee.avail_out)
            if produced > limit {
                if prefixOnly { return copy(output, count: limit) }
                throw .exceedsLimit(limit: limit)
            }

            switch status {
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grown next pass) or input ran out.
                let inputLeft = stream.pointee.avail_in > 0 || fed < input.count
                if stream.pointee.avail_out == 0 || (stream.pointee.avail_in == 0 && inputLeft) { continue }
                if !inputLeft {
                    if prefixOnly { return copy(output, count: produced) }
                    throw .truncated(decompressedBytes: produced)
                }
                throw error(for: status, stream)
            case Z_STREAM_END:
                let remaining = Int(stream.pointee.avail_in) + (input.count - fed)
                if remaining == 0 { return copy(output, count: produced) }
                let next = fed - Int(stream.pointee.avail_in)
                if remaining >= 2, input[next] == 0x1f, input[next + 1] == 0x8b {
                    let resetStatus = inflateReset(stream)
                    guard resetStatus == Z_OK else { throw error(for: resetStatus, stream) }
                    continue
                }
                throw .trailingData(byteCount: remaining)
            default:
                throw error(for: status, stream)
            }
        }
    }

    private static func copy(_ output: UnsafeMutablePointer<Bytef>, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
            if let destination = bytes.baseAddress { memcpy(destination, output, count) }
            initialized = count
        }
    }

    /// An output size guess: the gzip trailer's ISIZE (size mod 2^32), bounded by what the
    /// input could possibly expand to and by a cap, so a corrupt trailer cannot force a huge allocation.
    private static func initialCapacity(for input: UnsafeRawBufferPointer) -> Int {
        let floor = 4096
        guard input.count >= 18 else { return floor }
        let tail = input.count - 4
        let isize =
            Int(input[tail]) | Int(input[tail + 1]) << 8 | Int(input[tail + 2]) << 16
            | Int(input[tail + 3]) << 24
        let (maxExpansion, overflow) = input.count.multipliedReportingOverflow(by: 1032)
        let bound = overflow ? Int.max : maxExpansion
        return max(floor, min(isize, bound, 1 << 30))
    }

    private static func error(for status: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> GzipError {
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "no message"
        switch status {
        case Z_DATA_ERROR: return .corrupt(message)
        case Z_NEED_DICT: return .corrupt("the stream needs a preset dictionary")
        case Z_MEM_ERROR: return .outOfMemory
        default: return .zlib(code: status, message: message)
        }
    }
}
