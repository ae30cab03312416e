/// An image as its file holds it: `height` rows of `width` pixels, each of `channels` integer samples in
/// `0...maxValue` (alpha, when the file has it, already dropped).
public struct DecodedImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Samples per pixel: 1 (gray) or 3 (red, green, blue).
    public let channels: Int
    /// The largest sample value: 2^bitDepth − 1 (255 for 8-bit and palette images).
    public let maxValue: Int
    /// `height × width × channels` samples, row-major, channels innermost.
    public let samples: [UInt16]

    /// Creates an image from its samples.
    ///
    /// - Precondition: `samples.count == width × height × channels`.
    public init(width: Int, height: Int, channels: Int, maxValue: Int, samples: [UInt16]) {
        precondition(
            samples.count == width * height * channels, "\(samples.count) samples for \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.maxValue = maxValue
        self.samples = samples
    }
}
