import ConcordData
import ConcordTesting
import Foundation
import Testing

/// Every kind of broken PNG gives an ``ImageError`` naming the file, never a trap or an allocation its declared
/// size would call for.
@Suite("PNG malformed input")
struct PNGMalformedTests {
    static let name = "/data/cats/broken.png"

    /// A valid 5×4 RGB file.
    static func valid() throws -> [UInt8] {
        try PNGEncoding.encode(
            width: 5, height: 4, colorType: 2, bitDepth: 8, samples: (0..<60).map { UInt16($0 * 4) })
    }

    /// A file with the given IHDR fields and image data (scanlines, compressed here).
    static func file(
        width: Int = 2, height: Int = 2, bitDepth: Int = 8, colorType: UInt8 = 0, scanlines: [UInt8]? = nil,
        compressed: [UInt8]? = nil, before: [UInt8] = [], palette: [UInt8]? = nil
    ) throws -> [UInt8] {
        let raw = scanlines ?? [0, 1, 2, 0, 3, 4]
        return PNGEncoding.signature + before
            + PNGEncoding.chunk(
                "IHDR",
                PNGEncoding.header(
                    width: width, height: height, bitDepth: bitDepth, colorType: colorType, interlaced: false))
            + (palette.map { PNGEncoding.chunk("PLTE", $0) } ?? [])
            + PNGEncoding.chunk("IDAT", try compressed ?? GzipCompression.compress(raw, windowBits: 15))
            + PNGEncoding.chunk("IEND", [])
    }

    func failure(_ bytes: [UInt8]) -> ImageError? {
        switch Result(catching: { () throws(ImageError) in try PNGDecoder.decode(bytes, file: Self.name) }) {
        case .success: return nil
        case .failure(let error): return error
        }
    }

    /// Expects `bytes` to fail with a message naming the file and containing `text`.
    func expectRefused(_ bytes: [UInt8], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = failure(bytes) else {
            Issue.record("decoded without error", sourceLocation: sourceLocation)
            return
        }
        #expect(error.description.hasPrefix(Self.name), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
    }

    @Test("refuses a wrong signature")
    func badSignature() throws {
        var bytes = try Self.valid()
        bytes[1] = 0x51
        #expect(failure(bytes) == .notPNG(file: Self.name))
        #expect(failure(Array("GIF89a not a png".utf8)) == .notPNG(file: Self.name))
    }

    @Test("refuses every truncation of a valid file")
    func everyTruncation() throws {
        let bytes = try Self.valid()
        for length in 0..<bytes.count {
            guard case .truncated(let file, _)? = failure(Array(bytes.prefix(length))) else {
                Issue.record("a file cut to \(length) of \(bytes.count) bytes was not refused as truncated")
                continue
            }
            #expect(file == Self.name)
        }
    }

    @Test("refuses a chunk whose CRC does not match, whichever byte is flipped")
    func badCRC() throws {
        let bytes = try Self.valid()
        // Every byte of every chunk's type, data or CRC (after the signature and the IHDR length).
        for index in stride(from: 12, to: bytes.count, by: 3) {
            var broken = bytes
            broken[index] ^= 0x10
            guard let error = failure(broken) else {
                Issue.record("flipping byte \(index) went unnoticed")
                continue
            }
            #expect(error.description.hasPrefix(Self.name))
        }
        var broken = bytes
        broken[42] ^= 0x01  // inside the IDAT data
        guard case .badCRC(_, let chunk, _)? = failure(broken) else {
            Issue.record("not a CRC error")
            return
        }
        #expect(chunk == "IDAT")
        broken = bytes
        broken[20] ^= 0x01  // the IHDR's height
        expectRefused(broken, "the CRC of the IHDR chunk at byte 8 does not match")
    }

    @Test("caps the declared size before allocating anything")
    func hugeDimensions() throws {
        expectRefused(
            try Self.file(width: 100_000, height: 100_000), "declares 100000×100000 pixels, more than the 67108864")
        expectRefused(try Self.file(width: 1 << 30, height: 1 << 30), "more than the 67108864")
        expectRefused(try Self.file(width: 0, height: 5), "both must be in 1...2^31−1")
        expectRefused(try Self.file(width: Int(UInt32.max), height: 1), "both must be in 1...2^31−1")
    }

    @Test("refuses bad IHDR fields and chunk order")
    func badHeader() throws {
        expectRefused(try Self.file(bitDepth: 4, colorType: 2), "bit depth 4 is not allowed for colour type 2")
        expectRefused(try Self.file(colorType: 5), "unknown colour type 5")
        expectRefused(try Self.file(colorType: 3), "a palette image without a PLTE chunk")
        expectRefused(
            try Self.file(before: PNGEncoding.chunk("IDAT", [1, 2])), "the first chunk is IDAT, not IHDR")
        expectRefused(
            try Self.file(palette: [1, 2, 3, 4]), "the PLTE chunk holds 4 bytes")
        var header = PNGEncoding.header(width: 2, height: 2, bitDepth: 8, colorType: 0, interlaced: true)
        header[12] = 2
        expectRefused(
            PNGEncoding.signature + PNGEncoding.chunk("IHDR", header) + PNGEncoding.chunk("IEND", []),
            "unknown interlace method 2")
        expectRefused(
            PNGEncoding.signature + PNGEncoding.chunk("IHDR", Array(header.prefix(10))), "holds 10 bytes instead of 13")
        let noData =
            PNGEncoding.signature
            + PNGEncoding.chunk(
                "IHDR", PNGEncoding.header(width: 1, height: 1, bitDepth: 8, colorType: 0, interlaced: false))
            + PNGEncoding.chunk("IEND", [])
        expectRefused(noData, "no IDAT chunk")
        let valid = try Self.valid()
        let critical = Array(valid.prefix(33)) + PNGEncoding.chunk("ZZZZ", [1]) + Array(valid.dropFirst(33))
        expectRefused(critical, "unknown critical chunk ZZZZ")
    }

    @Test("refuses image data that do not inflate, or inflate to the wrong size")
    func badImageData() throws {
        expectRefused(try Self.file(compressed: [0x78, 0x9c, 0xff, 0xff, 0xff, 0x00]), "corrupt PNG image data")
        expectRefused(try Self.file(compressed: [1, 2, 3, 4, 5]), "corrupt PNG image data")
        expectRefused(try Self.file(scanlines: [0, 1, 2, 0]), "inflate to 4 bytes; the header declares 6")
        expectRefused(try Self.file(scanlines: [0, 1, 2, 0, 3, 4, 0]), "inflate to more than the 6 bytes")
        let full = try GzipCompression.compress([0, 1, 2, 0, 3, 4], windowBits: 15)
        expectRefused(try Self.file(compressed: Array(full.dropLast(5))), "corrupt PNG image data")
        // A bomb: a megabyte of zeros declared as a 2×2 image stops at 6 bytes.
        let bomb = try GzipCompression.compress([UInt8](repeating: 0, count: 1 << 20), windowBits: 15)
        expectRefused(try Self.file(compressed: bomb), "inflate to more than the 6 bytes")
    }

    @Test("refuses an unknown filter type and a palette index past the palette")
    func badScanlines() throws {
        expectRefused(try Self.file(scanlines: [0, 1, 2, 5, 3, 4]), "unknown filter type 5")
        expectRefused(
            try Self.file(colorType: 3, scanlines: [0, 0, 1, 0, 2, 0], palette: [1, 2, 3, 4, 5, 6]),
            "palette index 2 is past the palette's 2 entries")
    }

    @Test("names the file when reading from disk")
    func unreadable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.url.appendingPathComponent("missing.png")
        #expect(throws: ImageError.self) { try PNGDecoder.decode(contentsOf: missing) }
        do {
            _ = try PNGDecoder.decode(contentsOf: missing)
        } catch {
            #expect("\(error)".hasPrefix(missing.path))
        }
    }

    /// `bytes` with every chunk's CRC recomputed where its length still fits the file, so that mutations reach
    /// past the CRC check into the header, inflation, filters and palette.
    static func withCRCsRepaired(_ bytes: [UInt8]) -> [UInt8] {
        var repaired = bytes
        var offset = 8
        while repaired.count - offset >= 12 {
            let length = repaired[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= repaired.count - offset - 12 else { break }
            let crc = PNGEncoding.chunk("", Array(repaired[(offset + 4)..<(offset + 8 + length)])).suffix(4)
            repaired.replaceSubrange((offset + 8 + length)..<(offset + 12 + length), with: crc)
            offset += 12 + length
        }
        return repaired
    }

    @Test("mutated PNG files decode to images that fill their size, or throw")
    func fuzzed() throws {
        let seeds = [
            try Self.valid(),
            try PNGEncoding.encode(
                width: 7, height: 5, colorType: 3, bitDepth: 2, samples: (0..<35).map { UInt16($0 % 4) },
                palette: Array(0..<12), interlaced: true),
            try PNGEncoding.encode(
                width: 4, height: 3, colorType: 6, bitDepth: 16, samples: (0..<48).map { UInt16($0 * 1000) }),
        ]
        let report = fuzz("png", seeds: seeds, iterations: FuzzSettings.iterations(inSuite: 2_000)) { input in
            let image = try PNGDecoder.decode(input, file: "fuzz.png")
            guard image.samples.count == image.width * image.height * image.channels else {
                throw FuzzInvariantViolation("\(image.samples.count) samples for \(image.width)×\(image.height)")
            }
        }
        #expect(report.failures.isEmpty, "\(report.failures)")
        // The same mutations with their CRCs made good: most now reach the decoder proper.
        let repaired = fuzz("png-crc-repaired", seeds: seeds, iterations: FuzzSettings.iterations(inSuite: 2_000)) {
            input in
            let image = try PNGDecoder.decode(Self.withCRCsRepaired(input), file: "fuzz.png")
            guard image.samples.count == image.width * image.height * image.channels else {
                throw FuzzInvariantViolation("\(image.samples.count) samples for \(image.width)×\(image.height)")
            }
        }
        #expect(repaired.failures.isEmpty, "\(repaired.failures)")
        #expect(repaired.accepted > report.accepted, "\(repaired)")
    }
}
