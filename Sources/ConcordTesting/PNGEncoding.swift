import CZlib

/// Writes PNG files for tests: any colour type, bit depth, filter and interlacing, so that a decoder can be checked
/// against pixels chosen in the test (and its error paths against files broken on purpose).
public enum PNGEncoding {
    /// The PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Samples per pixel of a PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA).
    public static func samplesPerPixel(colorType: UInt8) -> Int {
        switch colorType {
        case 2: 3
        case 4: 2
        case 6: 4
        default: 1
        }
    }

    /// A complete PNG file.
    ///
    /// - Parameters:
    ///   - width: Pixels per row.
    ///   - height: Rows.
    ///   - colorType: The PNG colour type.
    ///   - bitDepth: Bits per sample.
    ///   - samples: `width × height × samplesPerPixel` samples (palette indices for a palette image), row-major.
    ///   - palette: The PLTE entries, RGB; written when given.
    ///   - interlaced: Whether to write the image Adam7-interlaced.
    ///   - filters: The filter type of each scanline, cycled (the default cycles through all five).
    ///   - idatSize: The most bytes an IDAT chunk holds (the compressed data are split across chunks).
    ///   - extraChunks: Chunks written before the image data (type, data), e.g. tRNS or an ancillary chunk.
    /// - Throws: ``GzipCompression/Failure`` when zlib refuses.
    public static func encode(
        width: Int, height: Int, colorType: UInt8, bitDepth: Int, samples: [UInt16], palette: [UInt8]? = nil,
        interlaced: Bool = false, filters: [UInt8] = [0, 1, 2, 3, 4], idatSize: Int = 1 << 16,
        extraChunks: [(String, [UInt8])] = []
    ) throws -> [UInt8] {
        let perPixel = samplesPerPixel(colorType: colorType)
        let bitsPerPixel = perPixel * bitDepth
        let stride = max(1, bitsPerPixel / 8)
        var raw: [UInt8] = []
        var rowNumber = 0
        for pass in passes(width: width, height: height, interlaced: interlaced) {
            let rowBytes = (pass.width * bitsPerPixel + 7) / 8
            var previous = [UInt8](repeating: 0, count: rowBytes)
            for row in 0..<pass.height {
                var line = [UInt8](repeating: 0, count: rowBytes)
                for column in 0..<pass.width {
                    let pixel = (pass.y + row * pass.dy) * width + pass.x + column * pass.dx
                    for sample in 0..<perPixel {
                        let value = Int(samples[pixel * perPixel + sample])
                        let index = column * perPixel + sample
                        switch bitDepth {
                        case 16:
                            line[2 * index] = UInt8(value >> 8)
                            line[2 * index + 1] = UInt8(value & 0xff)
                        case 8:
                            line[index] = UInt8(value)
                        default:
                            let bit = index * bitDepth
                            line[bit / 8] |= UInt8(value << (8 - bitDepth - bit % 8))
                        }
                    }
                }
                let filter = filters[rowNumber % filters.count]
                rowNumber += 1
                raw.append(filter)
                for i in 0..<rowBytes {
                    let left = i >= stride ? Int(line[i - stride]) : 0
                    let up = row > 0 ? Int(previous[i]) : 0
                    let upLeft = i >= stride && row > 0 ? Int(previous[i - stride]) : 0
                    let predicted: Int
                    switch filter {
                    case 1: predicted = left
                    case 2: predicted = up
                    case 3: predicted = (left + up) / 2
                    case 4: predicted = paeth(left, up, upLeft)
                    default: predicted = 0
                    }
                    raw.append(UInt8(truncatingIfNeeded: Int(line[i]) - predicted))
                }
                previous = line
            }
        }
        let compressed = try GzipCompression.compress(raw, windowBits: 15)
        var file = signature
        file += chunk(
            "IHDR",
            header(width: width, height: height, bitDepth: bitDepth, colorType: colorType, interlaced: interlaced))
        for (type, data) in extraChunks { file += chunk(type, data) }
        if let palette { file += chunk("PLTE", palette) }
        var start = 0
        repeat {
            let end = min(compressed.count, start + idatSize)
            file += chunk("IDAT", Array(compressed[start..<end]))
            start = end
        } while start < compressed.count
        file += chunk("IEND", [])
        return file
    }

    /// The 13 bytes of an IHDR chunk (the values are written as given, valid or not).
    public static func header(width: Int, height: Int, bitDepth: Int, colorType: UInt8, interlaced: Bool) -> [UInt8] {
        bigEndian(width) + bigEndian(height) + [
            UInt8(truncatingIfNeeded: bitDepth), colorType, 0, 0, interlaced ? 1 : 0,
        ]
    }

    /// A chunk: length, type, data and the CRC of type and data.
    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return bigEndian(data.count) + body + bigEndian(Int(crc))
    }

    /// `value` as four big-endian bytes.
    public static func bigEndian(_ value: Int) -> [UInt8] {
        let word = UInt32(truncatingIfNeeded: value)
        return [UInt8(word >> 24), UInt8(word >> 16 & 0xff), UInt8(word >> 8 & 0xff), UInt8(word & 0xff)]
    }

    /// An 8-bit gray image, filtered with Paeth, for tests that need many small ordinary files.
    public static func gray8(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
        try encode(
            width: width, height: height, colorType: 0, bitDepth: 8, samples: pixels.map { UInt16($0) }, filters: [4])
    }

    private static func paeth(_ left: Int, _ up: Int, _ upLeft: Int) -> Int {
        let estimate = left + up - upLeft
        let (a, b, c) = (abs(estimate - left), abs(estimate - up), abs(estimate - upLeft))
        if a <= b && a <= c { return left }
        return b <= c ? up : upLeft
    }

    private static func passes(
        width: Int, height: Int, interlaced: Bool
    ) -> [(x: Int, y: Int, dx: Int, dy: Int, width: Int, height: Int)] {
        guard interlaced else { return [(0, 0, 1, 1, width, height)] }
        let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        return adam7.compactMap { pass in
            let (x, y, dx, dy) = pass
            let passWidth = (width - x + dx - 1) / dx
            let passHeight = (height - y + dy - 1) / dy
            return passWidth > 0 && passHeight > 0 ? (x, y, dx, dy, passWidth, passHeight) : nil
        }
    }
}
