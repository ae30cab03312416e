/// Turns a decoded image into a model's input: samples scaled to [0, 1], converted to the model's channels and
/// resized to its side.
enum ImageConversion {
    /// ITU-R BT.601 luma weights (what PIL's `convert("L")` and torchvision's `Grayscale` use).
    static let luma: (red: Float, green: Float, blue: Float) = (0.299, 0.587, 0.114)

    /// Writes `image` as `height × width × channels` floats (NHWC without the batch axis) into `output`.
    ///
    /// 8-bit samples are scaled exactly as MNIST's IDX bytes are (``PixelScaling``: `Float(v) / 255`), so a gray
    /// 8-bit PNG of a digit gives the floats of that digit's IDX record; other depths by `Float(v) / maxValue`.
    /// Colour becomes gray by luma, gray becomes colour by copying; the image is resized bilinearly (pixel
    /// centres aligned, as `torch.nn.functional.interpolate(mode: "bilinear", align_corners: false)`) only when
    /// its size differs.
    ///
    /// - Precondition: `channels` is 1 or 3, and `output` holds `width × height × channels` floats.
    static func write(
        _ image: DecodedImage, width: Int, height: Int, channels: Int, into output: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(output.count == width * height * channels, "output does not fit \(width)×\(height)×\(channels)")
        let scaled = scale(image)
        let converted = convert(scaled, from: image.channels, to: channels)
        if width == image.width && height == image.height {
            _ = output.initialize(fromContentsOf: converted)
        } else {
            resize(
                converted, width: image.width, height: image.height, channels: channels,
                toWidth: width, toHeight: height, into: output)
        }
    }

    /// The samples as floats in [0, 1].
    static func scale(_ image: DecodedImage) -> [Float] {
        if image.maxValue == 255 {
            let bytes = image.samples.map { UInt8(truncatingIfNeeded: $0) }
            return [Float](unsafeUninitializedCapacity: bytes.count) { output, initialized in
                bytes.withUnsafeBufferPointer { PixelScaling.normalize($0, into: output) }
                initialized = bytes.count
            }
        }
        let maximum = Float(image.maxValue)
        return image.samples.map { Float($0) / maximum }
    }

    /// `pixels` (interleaved, `from` channels) with `to` channels: luma for colour → gray, copies for gray → colour.
    static func convert(_ pixels: [Float], from: Int, to: Int) -> [Float] {
        if from == to { return pixels }
        let count = pixels.count / from
        if to == 1 {
            return (0..<count).map { pixel in
                luma.red * pixels[3 * pixel] + luma.green * pixels[3 * pixel + 1] + luma.blue * pixels[3 * pixel + 2]
            }
        }
        var colour = [Float](repeating: 0, count: count * 3)
        for pixel in 0..<count {
            colour[3 * pixel] = pixels[pixel]
            colour[3 * pixel + 1] = pixels[pixel]
            colour[3 * pixel + 2] = pixels[pixel]
        }
        return colour
    }

    /// Bilinear resizing with half-pixel centres: output pixel `(x, y)` samples the input at
    /// `((x + ½)·w/W − ½, (y + ½)·h/H − ½)`, clamped to the image.
    static func resize(
        _ pixels: [Float], width: Int, height: Int, channels: Int, toWidth: Int, toHeight: Int,
        into output: UnsafeMutableBufferPointer<Float>
    ) {
        func source(_ index: Int, scale: Float, limit: Int) -> (low: Int, high: Int, weight: Float) {
            let position = max(0, (Float(index) + 0.5) * scale - 0.5)
            let low = min(Int(position), limit - 1)
            let high = min(low + 1, limit - 1)
            return (low, high, position - Float(low))
        }
        let scaleX = Float(width) / Float(toWidth)
        let scaleY = Float(height) / Float(toHeight)
        for y in 0..<toHeight {
            let (top, bottom, wy) = source(y, scale: scaleY, limit: height)
            for x in 0..<toWidth {
                let (left, right, wx) = source(x, scale: scaleX, limit: width)
                for channel in 0..<channels {
                    let topLeft = pixels[(top * width + left) * channels + channel]
                    let topRight = pixels[(top * width + right) * channels + channel]
                    let bottomLeft = pixels[(bottom * width + left) * channels + channel]
                    let bottomRight = pixels[(bottom * width + right) * channels + channel]
                    let upper = topLeft + (topRight - topLeft) * wx
                    let lower = bottomLeft + (bottomRight - bottomLeft) * wx
                    output[(y * toWidth + x) * channels + channel] = upper + (lower - upper) * wy
                }
            }
        }
    }
}
