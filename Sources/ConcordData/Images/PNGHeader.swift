/// A PNG file's IHDR chunk: the image's size and how its samples are stored.
struct PNGHeader: Sendable, Equatable {
    /// Channels the decoder gives: 1 for gray (alpha dropped), 3 for colour and palette images.
    var decodedChannels: Int { colorType == .gray || colorType == .grayAlpha ? 1 : 3 }

    /// The colour types of the PNG specification (§11.2.2).
    enum ColorType: UInt8, Sendable {
        case gray = 0
        case rgb = 2
        case palette = 3
        case grayAlpha = 4
        case rgba = 6

        /// Samples per pixel in the file (a palette image has one index per pixel).
        var samplesPerPixel: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }

        /// The bit depths the specification allows for this colour type.
        var allowedBitDepths: [Int] {
            switch self {
            case .gray: [1, 2, 4, 8, 16]
            case .palette: [1, 2, 4, 8]
            case .rgb, .grayAlpha, .rgba: [8, 16]
            }
        }
    }

    /// Pixels per row.
    var width: Int
    /// Rows.
    var height: Int
    /// Bits per sample (per palette index for palette images).
    var bitDepth: Int
    /// How pixels are stored.
    var colorType: ColorType
    /// Whether the image is Adam7-interlaced.
    var interlaced: Bool

    /// Bits per pixel in the file.
    var bitsPerPixel: Int { bitDepth * colorType.samplesPerPixel }

    /// Bytes per complete pixel, at least 1: the distance the filters look back.
    var filterStride: Int { max(1, bitsPerPixel / 8) }

    /// Bytes of one filtered row of `width` pixels, without its filter-type byte.
    func rowBytes(width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }

    /// Reads and checks the 13 bytes of an IHDR chunk.
    ///
    /// - Throws: ``ImageError/malformed(file:reason:)`` for a zero or out-of-range size, an unknown colour type, a
    ///   bit depth the colour type does not allow, or an unknown compression, filter or interlace method;
    ///   ``ImageError/tooManyPixels(file:width:height:limit:)`` past `maxPixels`.
    init(_ bytes: ArraySlice<UInt8>, file: String, maxPixels: Int) throws(ImageError) {
        guard bytes.count == 13 else {
            throw .malformed(file: file, reason: "the IHDR chunk holds \(bytes.count) bytes instead of 13")
        }
        let start = bytes.startIndex
        width = PNGDecoder.bigEndian(bytes, at: start)
        height = PNGDecoder.bigEndian(bytes, at: start + 4)
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw .malformed(file: file, reason: "the image is \(width)×\(height); both must be in 1...2^31−1")
        }
        guard width <= maxPixels / height else {
            throw .tooManyPixels(file: file, width: width, height: height, limit: maxPixels)
        }
        bitDepth = Int(bytes[start + 8])
        guard let colorType = ColorType(rawValue: bytes[start + 9]) else {
            throw .malformed(file: file, reason: "unknown colour type \(bytes[start + 9])")
        }
        self.colorType = colorType
        guard colorType.allowedBitDepths.contains(bitDepth) else {
            throw .malformed(
                file: file, reason: "bit depth \(bitDepth) is not allowed for colour type \(colorType.rawValue)")
        }
        guard bytes[start + 10] == 0 else {
            throw .malformed(file: file, reason: "unknown compression method \(bytes[start + 10])")
        }
        guard bytes[start + 11] == 0 else {
            throw .malformed(file: file, reason: "unknown filter method \(bytes[start + 11])")
        }
        guard bytes[start + 12] <= 1 else {
            throw .malformed(file: file, reason: "unknown interlace method \(bytes[start + 12])")
        }
        interlaced = bytes[start + 12] == 1
    }
}
