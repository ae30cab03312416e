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
        }
    }
}

/// Streaming gzip/zlib decompression through the system zlib.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a gzip (or zlib) stream, including concatenated gzip members.
    ///
    /// - Parameter input: The compressed bytes.
    /// - Returns: The decompressed bytes.
    /// - Throws: ``GzipError`` when the stream is truncated, corrupt or followed by garbage.
    public static func decompress(_ input: UnsafeRawBufferPointer) throws(GzipError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        // 15 + 32: maximum window, and detect a gzip or zlib header automatically.
        let initStatus = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw error(for: initStatus, stream) }
        defer { inflateEnd(stream) }

        var capacity = initialCapacity(for: input)
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
                let (grown, overflow) = capacity.multipliedReportingOverflow(by: 2)
                guard !overflow, let bigger = realloc(output, grown) else { throw .outOfMemory }
                output = bigger.assumingMemoryBound(to: Bytef.self)
                capacity = grown
            }
            let room = min(capacity - produced, maxChunk)
            stream.pointee.next_out = output.advanced(by: produced)
            stream.pointee.avail_out = UInt32(room)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += room - Int(stream.pointee.avail_out)

            switch status {
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: either the output is full (grown next pass) or input ran out.
                let inputLeft = stream.pointee.avail_in > 0 || fed < input.count
                if stream.pointee.avail_out == 0 || (stream.pointee.avail_in == 0 && inputLeft) { continue }
                if !inputLeft { throw .truncated(decompressedBytes: produced) }
                throw error(for: status, stream)
            case Z_STREAM_END:
                let remaining = Int(stream.pointee.avail_in) + (input.count - fed)
                if remaining == 0 {
                    let result = output
                    return [UInt8](unsafeUninitializedCapacity: produced) { bytes, initialized in
                        if let destination = bytes.baseAddress { memcpy(destination, result, produced) }
                        initialized = produced
                    }
                }
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
