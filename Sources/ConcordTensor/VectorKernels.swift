/// Elementwise and reduction kernels on raw float buffers, written as simple loops
/// the optimiser vectorises. Layers and optimisers call these in their inner loops.
public enum VectorKernels {
    /// y ← y + alpha · x over `count` scalars.
    @inlinable
    public static func axpy(_ count: Int, alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }

    /// x ← alpha · x over `count` scalars.
    @inlinable
    public static func scale(_ count: Int, alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        for i in 0..<count { x[i] *= alpha }
    }

    /// Writes `row` into each of `rows` consecutive rows of `matrix` (broadcast, e.g. a bias).
    @inlinable
    public static func broadcastRows(
        _ row: UnsafePointer<Float>, columns: Int, rows: Int,
        into matrix: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows { (matrix + r * columns).update(from: row, count: columns) }
    }

    /// Column sums of a rows×columns matrix, added to (`accumulate`) or written into `sums`.
    @inlinable
    public static func columnSums(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int,
        into sums: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        if !accumulate { sums.update(repeating: 0, count: columns) }
        for r in 0..<rows {
            let row = matrix + r * columns
            for c in 0..<columns { sums[c] += row[c] }
        }
    }

    /// The sum of squares of `count` scalars, accumulated in Double.
    @inlinable
    public static func sumOfSquares(_ count: Int, _ x: UnsafePointer<Float>) -> Double {
        var total = 0.0
        var i = 0
        while i < count {
            let end = min(count, i + 4096)
            var partial: Float = 0
            for j in i..<end { partial += x[j] * x[j] }
            total += Double(partial)
            i = end
        }
        return total
    }
}

/// Elementwise arithmetic on whole tensors, for code off the hot path and tests.
extension Tensor {
    /// Elementwise sum of two tensors of equal shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "shape mismatch \(lhs.shape) vs \(rhs.shape)")
        return Tensor(shape: lhs.shape, scalars: zip(lhs.scalars, rhs.scalars).map(+))
    }

    /// Elementwise difference of two tensors of equal shape.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "shape mismatch \(lhs.shape) vs \(rhs.shape)")
        return Tensor(shape: lhs.shape, scalars: zip(lhs.scalars, rhs.scalars).map(-))
    }

    /// Every scalar multiplied by `factor`.
    public static func * (lhs: Tensor, factor: Float) -> Tensor {
        Tensor(shape: lhs.shape, scalars: lhs.scalars.map { $0 * factor })
    }

    /// The sum of all scalars, accumulated in Double.
    public func sum() -> Double { scalars.reduce(0.0) { $0 + Double($1) } }

    /// The L2 norm of all scalars.
    public func l2Norm() -> Double {
        withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return VectorKernels.sumOfSquares(buffer.count, base).squareRoot()
        }
    }

    /// The index of the largest scalar in each row of a rank-2 tensor.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows needs a rank-2 tensor, got \(shape)")
        let columns = shape[1]
        return (0..<shape[0]).map { r in
            var best = 0
            for c in 1..<max(columns, 1) where scalars[r * columns + c] > scalars[r * columns + best] { best = c }
            return best
        }
    }
}
