extension VectorKernels {
    /// y ← max(x, 0) over `count` scalars (x and y may be the same buffer).
    @inlinable
    public static func relu(_ count: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v.replacing(with: 0, where: v .< 0), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { y[i] = max(x[i], 0); i += 1 }
    }

    /// dx ← dy where y > 0, else 0 (the ReLU backward pass from its output y), branch-free.
    @inlinable
    public static func reluBackward(
        _ count: Int, output y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>
    ) {
        var i = 0
        while i + 16 <= count {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(
                of: g.replacing(with: 0, where: yv .<= 0), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { dx[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
    }
}
