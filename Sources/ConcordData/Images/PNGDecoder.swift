import CZlib
import Foundation

/// A PNG decoder in Swift (the inflate step is the system zlib's): every colour type (gray, gray + alpha, RGB,
/// RGBA, palette), every bit depth (1, 2, 4, 8, 16), the five filter types, and Adam7 interlacing, as the PNG
/// specification (W3C, second edition, 2003) defines them. Alpha and transparency (tRNS) are read past and
/// dropped; ancillary chunks are skipped.
///
/// Every malformed input throws an ``ImageError`` naming the file: a wrong signature, a truncated file, a bad
/// chunk CRC, a missing or malformed IHDR, a palette image without PLTE, an unknown critical chunk, image data
/// that do not inflate or inflate to the wrong size, an unknown filter type, a palette index out of range. The
/// declared size is capped (``maxPixels``) before anything is allocated for it, and inflation stops at the size
/// the header declares.
public enum PNGDecoder {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The most pixels an image may declare (2^26, 8192 × 8192).
    public static let maxPixels = 1 << 26
    /// The largest file read as an image (256 MiB).
    public static let maxFileBytes = 1 << 28

    /// Reads and decodes the PNG file at `url`.
    ///
    /// - Throws: ``ImageError`` naming the file when it cannot be read, is too large, or is not a valid PNG.
    public static func decode(contentsOf url: URL) throws(ImageError) -> DecodedImage {
        let file = url.path
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw .unreadableFile(file: file, reason: error.localizedDescription)
        }
        guard size <= maxFileBytes else { throw .fileTooLarge(file: file, bytes: size, limit: maxFileBytes) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(file: file, reason: error.localizedDescription)
        }
        guard data.count <= maxFileBytes else {
            throw .fileTooLarge(file: file, bytes: data.count, limit: maxFileBytes)
        }
        return try decode([UInt8](data), file: file)
    }

    /// Decodes the bytes of a PNG file.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - file: The name errors give.
    ///   - maxPixels: The most pixels the image may declare.
    /// - Returns: The image's samples, alpha dropped: gray images (and gray + alpha) with one channel, colour and
    ///   palette images with three.
    /// - Throws: ``ImageError`` naming `file` for any malformed input.
    public static func decode(
        _ bytes: [UInt8], file: String, maxPixels: Int = maxPixels
    ) throws(ImageError)
        -> DecodedImage
    {
        guard bytes.count >= signature.count else {
            if signature.starts(with: bytes) {
                throw .truncated(file: file, reason: "the file ends inside the signature")
            }
            throw .notPNG(file: file)
        }
        guard bytes.starts(with: signature) else { throw .notPNG(file: file) }
        var offset = signature.count
        var header: PNGHeader?
        var palette: [UInt8]?
        var compressed: [UInt8] = []
        var sawIDAT = false
        var sawIEND = false
        while !sawIEND {
            guard bytes.count - offset >= 12 else {
                throw .truncated(
                    file: file,
                    reason: offset == bytes.count
                        ? "the file ends before its IEND chunk"
                        : "the file ends inside a chunk header at byte \(offset)")
            }
            let length = bigEndian(bytes[...], at: offset)
            let typeBytes = bytes[(offset + 4)..<(offset + 8)]
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max), typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) })
            else {
                throw .malformed(file: file, reason: "invalid chunk header at byte \(offset)")
            }
            guard bytes.count - offset - 12 >= length else {
                throw .truncated(
                    file: file,
                    reason: "the \(type) chunk at byte \(offset) declares \(length) bytes; the file ends first")
            }
            let dataStart = offset + 8
            let crcStart = dataStart + length
            let expectedCRC = bigEndian(bytes[...], at: crcStart)
            let actualCRC = bytes.withUnsafeBufferPointer { buffer in
                Int(crc32(0, buffer.baseAddress.map { $0 + offset + 4 }, uInt(length + 4)))
            }
            guard expectedCRC == actualCRC else { throw .badCRC(file: file, chunk: type, offset: offset) }
            let body = bytes[dataStart..<crcStart]
            if header == nil, type != "IHDR" {
                throw .malformed(file: file, reason: "the first chunk is \(type), not IHDR")
            }
            switch type {
            case "IHDR":
                guard header == nil else { throw .malformed(file: file, reason: "a second IHDR chunk") }
                header = try PNGHeader(body, file: file, maxPixels: maxPixels)
            case "PLTE":
                guard body.count % 3 == 0, (3...768).contains(body.count) else {
                    throw .malformed(
                        file: file, reason: "the PLTE chunk holds \(body.count) bytes (3 per entry, 1 to 256 entries)")
                }
                guard !sawIDAT else { throw .malformed(file: file, reason: "the PLTE chunk follows image data") }
                palette = Array(body)
            case "IDAT":
                sawIDAT = true
                compressed.append(contentsOf: body)
            case "IEND":
                sawIEND = true
            default:
                // Bit 5 of the first byte clear: a critical chunk, which a decoder may not skip.
                if typeBytes[typeBytes.startIndex] & 0x20 == 0 {
                    throw .malformed(file: file, reason: "unknown critical chunk \(type)")
                }
            }
            offset = crcStart + 4
        }
        guard let header else { throw .malformed(file: file, reason: "no IHDR chunk") }
        guard sawIDAT else { throw .malformed(file: file, reason: "no IDAT chunk (no image data)") }
        if header.colorType == .palette, palette == nil {
            throw .malformed(file: file, reason: "a palette image without a PLTE chunk")
        }
        let raw = try inflate(compressed, header: header, file: file)
        return try PNGPixels(header: header, palette: palette, file: file).decode(raw)
    }

    /// The filtered scanlines: the concatenated IDAT data inflated, exactly as many bytes as the header declares.
    private static func inflate(_ compressed: [UInt8], header: PNGHeader, file: String) throws(ImageError) -> [UInt8] {
        let expected = PNGPixels.passes(of: header).reduce(0) { total, pass in
            total + pass.height * (1 + header.rowBytes(width: pass.width))
        }
        let result = compressed.withUnsafeBytes { buffer in
            Result { () throws(GzipError) in try Gzip.decompress(buffer, limit: expected) }
        }
        let raw: [UInt8]
        switch result {
        case .success(let bytes):
            raw = bytes
        case .failure(.exceedsLimit):
            throw .corruptImageData(
                file: file, reason: "the image data inflate to more than the \(expected) bytes the header declares")
        case .failure(.truncated(let produced)):
            throw .corruptImageData(
                file: file,
                reason: "the image data end early (\(produced) of \(expected) bytes); the file is truncated")
        case .failure(let error):
            throw .corruptImageData(file: file, reason: error.description)
        }
        guard raw.count == expected else {
            throw .corruptImageData(
                file: file, reason: "the image data inflate to \(raw.count) bytes; the header declares \(expected)")
        }
        return raw
    }

    /// The big-endian 32-bit integer at `index`.
    static func bigEndian(_ bytes: ArraySlice<UInt8>, at index: Int) -> Int {
        Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
    }
}
