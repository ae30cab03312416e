/// Converts 8-bit pixels to floats in [0, 1]; the one loop every image load runs over.
enum PixelScaling {
    /// `Float(value) / 255` for every byte value.
    private static let table: [Float] = (0...255).map { Float($0) / 255 }

    /// Writes `Float(pixel) / 255` for each pixel.
    ///
    /// A table lookup over raw pointers: exact, and fast even in debug builds, where the
    /// integer-to-float conversion would be an unspecialised call per pixel.
    static func normalize(_ pixels: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count == pixels.count, "\(pixels.count) pixels for \(output.count) scalars")
        table.withUnsafeBufferPointer { table in
            guard let source = pixels.baseAddress, let destination = output.baseAddress,
                let lookup = table.baseAddress
            else { return }
            let count = pixels.count
            var index = 0
            while index < count {
                destination[index] = lookup[Int(source[index])]
                index += 1
            }
        }
    }
}
