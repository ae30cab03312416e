import ConcordData
import ConcordTesting
import Foundation
import Testing

/// The PNG decoder against pixels chosen here: every colour type and bit depth, interlaced or not, each scanline
/// filter, and a file whose filtered bytes were worked out by hand from the specification.
@Suite("PNG decoding")
struct PNGDecoderTests {
    /// Every colour type with every bit depth the specification allows for it.
    static let formats: [(colorType: UInt8, bitDepth: Int)] = [
        (0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8),
        (4, 8), (4, 16), (6, 8), (6, 16),
    ]

    static let cases: [(colorType: UInt8, bitDepth: Int, interlaced: Bool)] =
        formats.map { ($0.colorType, $0.bitDepth, false) } + formats.map { ($0.colorType, $0.bitDepth, true) }

    /// Deterministic samples in `0..<limit`.
    static func samples(count: Int, limit: Int, seed: Int) -> [UInt16] {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt16((state >> 33) % UInt64(limit))
        }
    }

    /// What the decoder must give for samples written in `colorType`: alpha dropped, palette indices expanded.
    static func expected(
        _ samples: [UInt16], colorType: UInt8, palette: [UInt8], width: Int, height: Int, bitDepth: Int
    ) -> DecodedImage {
        let pixels = width * height
        switch colorType {
        case 0:
            return DecodedImage(
                width: width, height: height, channels: 1, maxValue: (1 << bitDepth) - 1, samples: samples)
        case 4:
            let gray = (0..<pixels).map { samples[2 * $0] }
            return DecodedImage(width: width, height: height, channels: 1, maxValue: (1 << bitDepth) - 1, samples: gray)
        case 2:
            return DecodedImage(
                width: width, height: height, channels: 3, maxValue: (1 << bitDepth) - 1, samples: samples)
        case 6:
            var rgb: [UInt16] = []
            for pixel in 0..<pixels { rgb += samples[(4 * pixel)..<(4 * pixel + 3)] }
            return DecodedImage(width: width, height: height, channels: 3, maxValue: (1 << bitDepth) - 1, samples: rgb)
        default:
            var rgb: [UInt16] = []
            for index in samples.map({ 3 * Int($0) }) { rgb += palette[index..<(index + 3)].map { UInt16($0) } }
            return DecodedImage(width: width, height: height, channels: 3, maxValue: 255, samples: rgb)
        }
    }

    @Test("decodes each colour type and bit depth, plain and Adam7-interlaced", arguments: cases)
    func decodesKnownPixels(colorType: UInt8, bitDepth: Int, interlaced: Bool) throws {
        // Odd sizes: partial Adam7 blocks and scanlines that end inside a byte.
        for (width, height) in [(13, 11), (1, 1), (3, 2), (9, 1)] {
            let perPixel = PNGEncoding.samplesPerPixel(colorType: colorType)
            let entries = colorType == 3 ? 1 << bitDepth : 0
            let samples = Self.samples(
                count: width * height * perPixel, limit: colorType == 3 ? entries : 1 << bitDepth,
                seed: width * 100 + Int(colorType) * 10 + bitDepth)
            let palette = Self.samples(count: 3 * entries, limit: 256, seed: 7).map { UInt8($0) }
            let file = try PNGEncoding.encode(
                width: width, height: height, colorType: colorType, bitDepth: bitDepth, samples: samples,
                palette: colorType == 3 ? palette : nil, interlaced: interlaced)
            let image = try PNGDecoder.decode(file, file: "known.png")
            #expect(
                image
                    == Self.expected(
                        samples, colorType: colorType, palette: palette, width: width, height: height,
                        bitDepth: bitDepth),
                "\(width)×\(height)")
        }
    }

    @Test("reverses each filter type on its own", arguments: [UInt8(0), 1, 2, 3, 4])
    func eachFilter(filter: UInt8) throws {
        let samples = Self.samples(count: 6 * 5 * 3, limit: 256, seed: Int(filter))
        let file = try PNGEncoding.encode(
            width: 6, height: 5, colorType: 2, bitDepth: 8, samples: samples, filters: [filter])
        #expect(try PNGDecoder.decode(file, file: "f.png").samples == samples)
    }

    /// A 3×4 gray image whose scanlines were filtered by hand (PNG specification §9): Sub, Paeth, Average, Up.
    @Test("decodes scanlines filtered by hand")
    func handFiltered() throws {
        // Row 0, Sub: 10 20 30 → 10 10 10.
        // Row 1, Paeth over row 0: 15 5 40 → 15−up(10)=5, 5−up(20)=241, 40−upLeft(20)=20.
        // Row 2, Average: 100 50 0 → 100−⌊(0+15)/2⌋=93, 50−⌊(100+5)/2⌋=254, 0−⌊(50+40)/2⌋=211.
        // Row 3, Up: 101 52 3 → 1 2 3.
        let scanlines: [UInt8] = [1, 10, 10, 10, 4, 5, 241, 20, 3, 93, 254, 211, 2, 1, 2, 3]
        let file =
            PNGEncoding.signature
            + PNGEncoding.chunk(
                "IHDR", PNGEncoding.header(width: 3, height: 4, bitDepth: 8, colorType: 0, interlaced: false))
            + PNGEncoding.chunk("IDAT", try GzipCompression.compress(scanlines, windowBits: 15))
            + PNGEncoding.chunk("IEND", [])
        let image = try PNGDecoder.decode(file, file: "hand.png")
        #expect(image.samples == [10, 20, 30, 15, 5, 40, 100, 50, 0, 101, 52, 3])
        #expect(image.width == 3 && image.height == 4 && image.channels == 1 && image.maxValue == 255)
    }

    @Test("joins image data split over many IDAT chunks and skips tRNS and ancillary chunks")
    func chunksAndAncillaries() throws {
        let samples = Self.samples(count: 20 * 20, limit: 256, seed: 3)
        let file = try PNGEncoding.encode(
            width: 20, height: 20, colorType: 0, bitDepth: 8, samples: samples, idatSize: 7,
            extraChunks: [("tEXt", Array("Comment\u{0}made in a test".utf8)), ("tRNS", [0, 0])])
        #expect(try PNGDecoder.decode(file, file: "chunks.png").samples == samples)
    }

    @Test("reads a file from disk")
    func fromDisk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = try directory.write(try PNGEncoding.gray8(width: 2, height: 1, pixels: [0, 255]), to: "two.png")
        #expect(try PNGDecoder.decode(contentsOf: url).samples == [0, 255])
    }
}
