/// ConcordTensor: float32 tensors with contiguous storage, GEMM on the platform BLAS
/// (or a portable Swift kernel), and the vector, reduction and im2col kernels the
/// layers of ConcordNN are built from.

/// A dense float32 tensor: a shape and its scalars in contiguous row-major order.
///
/// `Tensor` is a value type (copy-on-write through its array), so it crosses actor
/// boundaries freely. Kernels take its storage through `withUnsafeBufferPointer`.
public struct Tensor: Sendable, Equatable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The scalars in row-major order; `scalars.count == shape.product`.
    public var scalars: [Float]

    /// Creates a tensor from a shape and matching scalars.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`. Code that builds
    ///   tensors from untrusted input validates first (see ``init(validatingShape:scalars:)``).
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(
            scalars.count == Tensor.elementCount(shape),
            "\(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor from untrusted data, throwing instead of trapping on a mismatch.
    ///
    /// - Throws: ``TensorError/shapeMismatch(expected:actual:)`` when the counts differ,
    ///   ``TensorError/invalidShape(_:)`` for a negative dimension.
    public init(validatingShape shape: [Int], scalars: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError.invalidShape(shape) }
        guard scalars.count == Tensor.elementCount(shape) else {
            throw TensorError.shapeMismatch(expected: Tensor.elementCount(shape), actual: scalars.count)
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: Tensor.elementCount(shape)))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor whose storage is allocated but not initialised; `fill` must write every scalar.
    public init(uninitializedShape shape: [Int], fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = Tensor.elementCount(shape)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(buffer)
            initialized = count
        }
    }

    /// The number of scalars.
    @inlinable public var count: Int { scalars.count }

    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The product of a shape's dimensions (1 for a scalar shape `[]`).
    @inlinable public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The same scalars seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Changes the shape in place without touching the scalars.
    public mutating func reshape(_ newShape: [Int]) {
        precondition(Tensor.elementCount(newShape) == scalars.count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// Calls `body` with read access to the scalars.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with write access to the scalars (copying first if the storage is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

/// Errors raised when tensors are built from untrusted shapes or data.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// The shape has a negative dimension.
    case invalidShape([Int])
    /// The number of scalars does not match the shape.
    case shapeMismatch(expected: Int, actual: Int)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .invalidShape(let shape): "invalid tensor shape \(shape): dimensions must be non-negative"
        case .shapeMismatch(let expected, let actual): "tensor shape needs \(expected) scalars, got \(actual)"
        }
    }
}

extension Tensor {
    /// Makes this tensor hold `newShape`, keeping its allocation when the scalar count is unchanged.
    ///
    /// Layers keep their outputs and gradients in tensors prepared this way, so a training step
    /// allocates nothing once shapes settle. The scalars are unspecified afterwards: callers write
    /// every one (or zero them first).
    public mutating func prepare(shape newShape: [Int]) {
        let count = Tensor.elementCount(newShape)
        if count != scalars.count {
            scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                buffer.initialize(repeating: 0)
                initialized = count
            }
        }
        if shape != newShape { shape = newShape }
    }

    /// An empty tensor of shape [0], the starting value of reusable buffers.
    public static var empty: Tensor { Tensor(shape: [0], scalars: []) }
}
