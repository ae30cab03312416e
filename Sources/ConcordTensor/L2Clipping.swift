/// L2 norms and L2 clipping of flat parameter vectors: the step that bounds each participant's
/// contribution (its sensitivity) before the Gaussian mechanism adds noise.
///
/// Norms are accumulated in Double. Squares of Float values are exact in Double and cannot overflow
/// (the largest is about 1.2e77), so vectors of huge finite values need no rescaling; the norm is
/// returned as a Double because it may exceed the largest Float.
///
/// Clipping scales a vector `v` by `min(1, C / ‖v‖)`. The factor is shaded down by a relative
/// 2⁻²² before it is applied, so that the rounding of each scaled entry back to Float cannot push
/// the clipped norm above `C`: for vectors of fewer than 2³¹ entries the exact norm of the result
/// is at most `C` (entries that underflow to subnormals aside), and within a relative 3·10⁻⁷ of it.
///
/// A vector whose norm is not finite (it holds a NaN or an infinity) has no meaningful direction
/// to keep: ``clip(_:to:)`` sets every entry to zero and reports it as scaled, so
/// its contribution to a sum is zero, which is within any bound, and the non-finite norm is
/// returned for the caller to log or reject.
public enum L2Clipping {
    /// The L2 norm of `v`, accumulated in Double (8 independent partial sums).
    ///
    /// Returns 0 for an empty vector, +∞ when an entry is infinite and NaN when an entry is NaN.
    public static func norm(_ v: UnsafeBufferPointer<Float>) -> Double {
        sumOfSquares(v).squareRoot()
    }

    /// The L2 norm of `v`, accumulated in Double; as for the buffer overload.
    public static func norm(_ v: [Float]) -> Double {
        v.withUnsafeBufferPointer { norm($0) }
    }

    /// Scales `v` in place by `min(1, bound / ‖v‖)`.
    ///
    /// - Parameters:
    ///   - v: the vector; left untouched when its norm is at most `bound`.
    ///   - bound: the clip norm C. A negative or NaN bound is treated as 0 (every non-zero vector is
    ///     set to zero); `+∞` never clips.
    /// - Returns: the norm of `v` before clipping, and whether `v` was changed. A non-finite norm
    ///   is returned as it is, with `scaled == true` and `v` set to zeros.
    @discardableResult
    public static func clip(_ v: UnsafeMutableBufferPointer<Float>, to bound: Double) -> (norm: Double, scaled: Bool) {
        let limit = bound.isNaN ? 0 : max(bound, 0)
        let original = norm(UnsafeBufferPointer(v))
        guard original.isFinite else {
            v.update(repeating: 0)
            return (original, true)
        }
        guard original > limit else { return (original, false) }
        // The shading keeps the rounded result inside the bound (see the type's documentation).
        let factor = limit / original * (1 - 0x1p-22)
        for i in v.indices { v[i] = Float(Double(v[i]) * factor) }
        return (original, true)
    }

    /// Scales `v` in place by `min(1, bound / ‖v‖)`, as for the buffer overload.
    @discardableResult
    public static func clip(_ v: inout [Float], to bound: Double) -> (norm: Double, scaled: Bool) {
        v.withUnsafeMutableBufferPointer { clip($0, to: bound) }
    }

    /// The sum of squares in Double: eight Floats at a time widened to two `SIMD4<Double>`
    /// accumulators (eight independent partial sums), then the tail one by one. The loop is limited
    /// by memory bandwidth, not arithmetic.
    private static func sumOfSquares(_ v: UnsafeBufferPointer<Float>) -> Double {
        guard let base = v.baseAddress else { return 0 }
        let count = v.count
        let raw = UnsafeRawPointer(base)
        var low = SIMD4<Double>(), high = SIMD4<Double>()
        var i = 0
        while i + 8 <= count {
            let x = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            let a = SIMD4<Double>(x.lowHalf), b = SIMD4<Double>(x.highHalf)
            low += a * a
            high += b * b
            i += 8
        }
        var total = (low + high).sum()
        while i < count {
            let x = Double(base[i])
            total += x * x
            i += 1
        }
        return total
    }
}
