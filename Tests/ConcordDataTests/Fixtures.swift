import CZlib
import ConcordData
import ConcordTesting
import Foundation
import Testing

/// Builders for small IDX files and gzip streams, written at run time.
enum Fixtures {
    /// An IDX file: magic `00 00 dtype rank`, big-endian dimensions, then `elements`.
    static func idx(dimensions: [Int], elements: [UInt8], dataType: UInt8 = 0x08) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, dataType, UInt8(dimensions.count)]
        for extent in dimensions {
            let value = UInt32(truncatingIfNeeded: extent)
            bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        return bytes + elements
    }

    /// Deterministic pixels for `count` 28×28 images; image `n` differs from image `n + 1`.
    static func pixels(count: Int, seed: Int = 0) -> [UInt8] {
        (0..<(count * 784)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 784 &* 7 &+ seed) }
    }

    /// Labels `seed, seed + 1, …` modulo 10.
    static func labels(count: Int, seed: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(($0 + seed) % 10) }
    }

    /// The bytes of a complete, valid MNIST-layout directory: file name → IDX bytes.
    static func mnistFiles(trainCount: Int = 3, testCount: Int = 2) -> [String: [UInt8]] {
        [
            MNIST.trainImagesFile: idx(dimensions: [trainCount, 28, 28], elements: pixels(count: trainCount)),
            MNIST.trainLabelsFile: idx(dimensions: [trainCount], elements: labels(count: trainCount)),
            MNIST.testImagesFile: idx(dimensions: [testCount, 28, 28], elements: pixels(count: testCount, seed: 5)),
            MNIST.testLabelsFile: idx(dimensions: [testCount], elements: labels(count: testCount, seed: 7)),
        ]
    }

    /// Compresses `bytes` as gzip, or as zlib with `windowBits: 15`.
    static func gzip(_ bytes: [UInt8], windowBits: Int32 = 31) throws -> [UInt8] {
        try GzipCompression.compress(bytes, windowBits: windowBits)
    }

    /// One gzip member holding `prefix` then `count` zero bytes, compressed as a stream (a decompression bomb:
    /// about a thousandth of `count` long), without ever holding the zeros in memory at once.
    static func gzipZeros(after prefix: [UInt8], count: Int) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = deflateInit2_(
            stream, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        try #require(status == Z_OK)
        defer { deflateEnd(stream) }
        var result: [UInt8] = []
        var output = [UInt8](repeating: 0, count: 1 << 16)
        func feed(_ bytes: [UInt8], flush: Int32) throws {
            var input = bytes
            try input.withUnsafeMutableBufferPointer { source in
                stream.pointee.next_in = source.baseAddress
                stream.pointee.avail_in = UInt32(source.count)
                repeat {
                    let produced = try output.withUnsafeMutableBufferPointer { destination in
                        stream.pointee.next_out = destination.baseAddress
                        stream.pointee.avail_out = UInt32(destination.count)
                        let code = deflate(stream, flush)
                        try #require(code == Z_OK || code == Z_STREAM_END || code == Z_BUF_ERROR)
                        return destination.count - Int(stream.pointee.avail_out)
                    }
                    result += output[..<produced]
                } while stream.pointee.avail_out == 0 || stream.pointee.avail_in > 0
            }
        }
        try feed(prefix, flush: Z_NO_FLUSH)
        let block = [UInt8](repeating: 0, count: 1 << 20)
        var left = count
        while left > 0 {
            let part = min(left, block.count)
            try feed(part == block.count ? block : Array(block[..<part]), flush: Z_NO_FLUSH)
            left -= part
        }
        try feed([], flush: Z_FINISH)
        return result
    }
}

/// A fresh directory under the system temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    /// The directory.
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ConcordDataTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` inside the directory and returns its URL.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
