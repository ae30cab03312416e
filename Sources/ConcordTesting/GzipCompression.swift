import CZlib

/// Compresses bytes with zlib, for tests that need gzip or zlib streams of their own making (IDX files, bombs).
public enum GzipCompression {
    /// zlib refused the input or the settings.
    public struct Failure: Error, CustomStringConvertible {
        /// zlib's status code.
        public var status: Int32
        /// "zlib failed with status N".
        public var description: String { "zlib failed with status \(status)" }
    }

    /// `bytes` as one gzip member (windowBits 31), or as a zlib stream with `windowBits: 15`.
    ///
    /// - Parameter level: zlib's compression level, 1 (fastest, the default) to 9 (smallest).
    /// - Throws: ``Failure`` when zlib refuses.
    public static func compress(_ bytes: [UInt8], windowBits: Int32 = 31, level: Int32 = 1) throws -> [UInt8] {
        // The stream lives at one address: zlib checks that it has not moved between calls.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = deflateInit2_(
            stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failure(status: status) }
        defer { deflateEnd(stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 32)
        let produced = try input.withUnsafeMutableBufferPointer { source in
            try output.withUnsafeMutableBufferPointer { destination in
                stream.pointee.next_in = source.baseAddress
                stream.pointee.avail_in = UInt32(source.count)
                stream.pointee.next_out = destination.baseAddress
                stream.pointee.avail_out = UInt32(destination.count)
                let finished = deflate(stream, Z_FINISH)
                guard finished == Z_STREAM_END else { throw Failure(status: finished) }
                return destination.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(output[..<produced])
    }
}
