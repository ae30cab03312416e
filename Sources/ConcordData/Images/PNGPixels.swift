/// The second half of PNG decoding: reversing the scanline filters, undoing Adam7 interlacing and unpacking the
/// samples (PNG specification §7–9).
struct PNGPixels {
    /// One Adam7 pass (or the whole image, when not interlaced): its pixels' origin and spacing, and its size.
    struct Pass {
        var x: Int, y: Int, dx: Int, dy: Int
        var width: Int, height: Int
    }

    let header: PNGHeader
    let palette: [UInt8]?
    let file: String

    /// Adam7's seven passes: origin and spacing (§8.2).
    private static let adam7: [(x: Int, y: Int, dx: Int, dy: Int)] = [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ]

    /// The passes that hold pixels, in file order; one pass of the whole image when it is not interlaced.
    static func passes(of header: PNGHeader) -> [Pass] {
        guard header.interlaced else {
            return [Pass(x: 0, y: 0, dx: 1, dy: 1, width: header.width, height: header.height)]
        }
        return adam7.compactMap { pass in
            let width = (header.width - pass.x + pass.dx - 1) / pass.dx
            let height = (header.height - pass.y + pass.dy - 1) / pass.dy
            guard width > 0, height > 0 else { return nil }
            return Pass(x: pass.x, y: pass.y, dx: pass.dx, dy: pass.dy, width: width, height: height)
        }
    }

    /// The image from its filtered scanlines (exactly the bytes the passes need).
    ///
    /// - Throws: ``ImageError/malformed(file:reason:)`` for a filter type outside 0...4 or a palette index past the
    ///   palette's end.
    func decode(_ raw: [UInt8]) throws(ImageError) -> DecodedImage {
        var raw = raw
        let channels = header.colorType == .gray || header.colorType == .grayAlpha ? 1 : 3
        let maxValue = header.colorType == .palette ? 255 : (1 << header.bitDepth) - 1
        var samples = [UInt16](repeating: 0, count: header.width * header.height * channels)
        var offset = 0
        for pass in Self.passes(of: header) {
            let rowBytes = header.rowBytes(width: pass.width)
            try unfilter(&raw, from: offset, rows: pass.height, rowBytes: rowBytes)
            try unpack(raw, from: offset, pass: pass, rowBytes: rowBytes, channels: channels, into: &samples)
            offset += pass.height * (rowBytes + 1)
        }
        return DecodedImage(
            width: header.width, height: header.height, channels: channels, maxValue: maxValue, samples: samples)
    }

    /// Reverses the filters of `rows` scanlines of `rowBytes` bytes (each after its filter-type byte) in place.
    private func unfilter(_ raw: inout [UInt8], from start: Int, rows: Int, rowBytes: Int) throws(ImageError) {
        let stride = header.filterStride
        let badRow: Int? = raw.withUnsafeMutableBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            for row in 0..<rows {
                let line = base + start + row * (rowBytes + 1)
                let filter = line[0]
                let current = line + 1
                let previous: UnsafeMutablePointer<UInt8>? = row == 0 ? nil : current - (rowBytes + 1)
                switch filter {
                case 0:
                    break
                case 1:
                    var i = stride
                    while i < rowBytes {
                        current[i] = current[i] &+ current[i - stride]
                        i += 1
                    }
                case 2:
                    guard let previous else { break }
                    for i in 0..<rowBytes { current[i] = current[i] &+ previous[i] }
                case 3:
                    for i in 0..<rowBytes {
                        let left = i >= stride ? Int(current[i - stride]) : 0
                        let up = previous.map { Int($0[i]) } ?? 0
                        current[i] = current[i] &+ UInt8((left + up) / 2)
                    }
                case 4:
                    for i in 0..<rowBytes {
                        let left = i >= stride ? Int(current[i - stride]) : 0
                        let up = previous.map { Int($0[i]) } ?? 0
                        let upLeft = i >= stride ? (previous.map { Int($0[i - stride]) } ?? 0) : 0
                        current[i] = current[i] &+ Self.paeth(left, up, upLeft)
                    }
                default:
                    return row
                }
            }
            return nil
        }
        if let badRow {
            throw .malformed(
                file: file, reason: "unknown filter type \(raw[start + badRow * (rowBytes + 1)]) on a scanline")
        }
    }

    /// The Paeth predictor (§9.4): whichever of left, up and up-left is nearest `left + up − upLeft`.
    private static func paeth(_ left: Int, _ up: Int, _ upLeft: Int) -> UInt8 {
        let estimate = left + up - upLeft
        let (toLeft, toUp, toUpLeft) = (abs(estimate - left), abs(estimate - up), abs(estimate - upLeft))
        if toLeft <= toUp && toLeft <= toUpLeft { return UInt8(left) }
        return toUp <= toUpLeft ? UInt8(up) : UInt8(upLeft)
    }

    /// Unpacks one pass's unfiltered scanlines into the image's samples, dropping alpha and expanding palette
    /// indices to their colours.
    private func unpack(
        _ raw: [UInt8], from start: Int, pass: Pass, rowBytes: Int, channels: Int, into samples: inout [UInt16]
    ) throws(ImageError) {
        let depth = header.bitDepth
        let perPixel = header.colorType.samplesPerPixel
        let entries = (palette?.count ?? 0) / 3
        var badIndex: Int?
        raw.withUnsafeBufferPointer { raw in
            samples.withUnsafeMutableBufferPointer { samples in
                for row in 0..<pass.height {
                    let line = start + row * (rowBytes + 1) + 1
                    let outputRow = (pass.y + row * pass.dy) * header.width
                    for column in 0..<pass.width {
                        let output = (outputRow + pass.x + column * pass.dx) * channels
                        let first = column * perPixel
                        func sample(_ index: Int) -> Int {
                            switch depth {
                            case 16:
                                return Int(raw[line + 2 * index]) << 8 | Int(raw[line + 2 * index + 1])
                            case 8:
                                return Int(raw[line + index])
                            default:
                                let bit = index * depth
                                let shift = 8 - depth - bit % 8
                                return Int(raw[line + bit / 8] >> UInt8(shift)) & ((1 << depth) - 1)
                            }
                        }
                        switch header.colorType {
                        case .gray, .grayAlpha:
                            samples[output] = UInt16(sample(first))
                        case .rgb, .rgba:
                            samples[output] = UInt16(sample(first))
                            samples[output + 1] = UInt16(sample(first + 1))
                            samples[output + 2] = UInt16(sample(first + 2))
                        case .palette:
                            let index = sample(first)
                            guard index < entries, let palette else {
                                badIndex = index
                                return
                            }
                            samples[output] = UInt16(palette[3 * index])
                            samples[output + 1] = UInt16(palette[3 * index + 1])
                            samples[output + 2] = UInt16(palette[3 * index + 2])
                        }
                    }
                }
            }
        }
        if let badIndex {
            throw .malformed(file: file, reason: "palette index \(badIndex) is past the palette's \(entries) entries")
        }
    }
}
