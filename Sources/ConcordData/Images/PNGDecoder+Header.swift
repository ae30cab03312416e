import CZlib
import Foundation

extension PNGDecoder {
    /// The header of the PNG file at `url`, read from its first 33 bytes only (the signature and the IHDR chunk):
    /// enough to learn an image's size and colour before its data are read and inflated.
    ///
    /// - Throws: ``ImageError`` naming the file when it cannot be read, lacks the signature, is truncated, or does
    ///   not start with a valid IHDR chunk.
    static func header(contentsOf url: URL, maxPixels: Int = maxPixels) throws(ImageError) -> PNGHeader {
        let file = url.path
        let bytes: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            bytes = [UInt8](try handle.read(upToCount: 33) ?? Data())
        } catch {
            throw .unreadableFile(file: file, reason: error.localizedDescription)
        }
        guard bytes.count >= signature.count else {
            if signature.starts(with: bytes) {
                throw .truncated(file: file, reason: "the file ends inside the signature")
            }
            throw .notPNG(file: file)
        }
        guard bytes.starts(with: signature) else { throw .notPNG(file: file) }
        guard bytes.count == 33 else {
            throw .truncated(file: file, reason: "the file ends inside its first chunk, at byte \(bytes.count)")
        }
        let type = String(decoding: bytes[12..<16], as: UTF8.self)
        guard type == "IHDR" else { throw .malformed(file: file, reason: "the first chunk is \(type), not IHDR") }
        let length = bigEndian(bytes[...], at: 8)
        guard length == 13 else {
            throw .malformed(file: file, reason: "the IHDR chunk holds \(length) bytes instead of 13")
        }
        let crc = bytes.withUnsafeBufferPointer { buffer in
            Int(crc32(0, buffer.baseAddress.map { $0 + 12 }, 17))
        }
        guard crc == bigEndian(bytes[...], at: 29) else { throw .badCRC(file: file, chunk: "IHDR", offset: 8) }
        return try PNGHeader(bytes[16..<29], file: file, maxPixels: maxPixels)
    }
}
