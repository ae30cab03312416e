/// The geometry of a 2-D convolution or pooling window over NHWC images.
///
/// `im2col` lays each output pixel's receptive field out as one row of length
/// `kernelHeight · kernelWidth · channels` (in (kh, kw, c) order), so a convolution
/// becomes one GEMM against weights stored as [outChannels, kh, kw, inChannels].
public struct ConvolutionGeometry: Sendable, Equatable {
    /// Input height, width and channels of one image.
    public var height: Int, width: Int, channels: Int
    /// Window height and width.
    public var kernelHeight: Int, kernelWidth: Int
    /// Step between windows, vertically and horizontally.
    public var strideHeight: Int, strideWidth: Int
    /// Zero rows added above and columns added left (bottom/right padding follows from the output size).
    public var padTop: Int, padLeft: Int
    /// Output height and width.
    public var outputHeight: Int, outputWidth: Int

    /// Creates the geometry with explicit output size.
    public init(
        height: Int, width: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
        strideHeight: Int, strideWidth: Int, padTop: Int, padLeft: Int,
        outputHeight: Int, outputWidth: Int
    ) {
        self.height = height; self.width = width; self.channels = channels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padTop = padTop; self.padLeft = padLeft
        self.outputHeight = outputHeight; self.outputWidth = outputWidth
    }

    /// The length of one im2col row.
    @inlinable public var patchSize: Int { kernelHeight * kernelWidth * channels }
    /// Output pixels per image.
    @inlinable public var outputPixels: Int { outputHeight * outputWidth }
    /// Scalars in one input image.
    @inlinable public var imageSize: Int { height * width * channels }

    /// Writes the im2col matrix of `images` consecutive images into `columns`
    /// (`images · outputPixels` rows of `patchSize`), with zeros where the window leaves the image.
    public func im2col(_ input: UnsafePointer<Float>, images: Int, into columns: UnsafeMutablePointer<Float>) {
        let rowLength = kernelWidth * channels
        var out = columns
        for image in 0..<images {
            let source = input + image * imageSize
            for oy in 0..<outputHeight {
                let y0 = oy * strideHeight - padTop
                for ox in 0..<outputWidth {
                    let x0 = ox * strideWidth - padLeft
                    let xStart = max(0, -x0), xEnd = min(kernelWidth, width - x0)
                    for ky in 0..<kernelHeight {
                        let y = y0 + ky
                        let row = out + ky * rowLength
                        if y < 0 || y >= height || xEnd <= xStart {
                            Self.fillZero(row, rowLength)
                            continue
                        }
                        if xStart > 0 { Self.fillZero(row, xStart * channels) }
                        Self.copy(
                            source + (y * width + x0 + xStart) * channels, to: row + xStart * channels,
                            (xEnd - xStart) * channels)
                        if xEnd < kernelWidth {
                            Self.fillZero(row + xEnd * channels, (kernelWidth - xEnd) * channels)
                        }
                    }
                    out += patchSize
                }
            }
        }
    }

    /// Copies `count` floats; short runs (a few channels) inline rather than calling memmove.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 32 {
            target.update(from: source, count: count)
        } else {
            for i in 0..<count { target[i] = source[i] }
        }
    }

    @inline(__always)
    static func fillZero(_ target: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 32 {
            target.update(repeating: 0, count: count)
        } else {
            for i in 0..<count { target[i] = 0 }
        }
    }

    /// Adds the im2col-shaped gradient `columns` back onto `images` consecutive input images
    /// (the adjoint of ``im2col(_:images:into:)``); `output` must be zeroed or hold a gradient to add to.
    public func col2im(_ columns: UnsafePointer<Float>, images: Int, addingInto output: UnsafeMutablePointer<Float>) {
        let rowLength = kernelWidth * channels
        var inp = columns
        for image in 0..<images {
            let target = output + image * imageSize
            for oy in 0..<outputHeight {
                let y0 = oy * strideHeight - padTop
                for ox in 0..<outputWidth {
                    let x0 = ox * strideWidth - padLeft
                    let xStart = max(0, -x0), xEnd = min(kernelWidth, width - x0)
                    if xEnd > xStart {
                        for ky in 0..<kernelHeight {
                            let y = y0 + ky
                            guard y >= 0 && y < height else { continue }
                            let src = inp + ky * rowLength + xStart * channels
                            let dst = target + (y * width + x0 + xStart) * channels
                            let n = (xEnd - xStart) * channels
                            for i in 0..<n { dst[i] += src[i] }
                        }
                    }
                    inp += patchSize
                }
            }
        }
    }
}
