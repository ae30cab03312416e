/// One float of storage that stands in for the address of an empty buffer.
nonisolated(unsafe) private let emptyFloatStorage = UnsafeMutablePointer<Float>.allocate(capacity: 1)

extension UnsafeBufferPointer where Element == Float {
    /// The first element's address; for an empty buffer, a valid address that kernels never read
    /// (every kernel reads `count` elements), so callers need no force-unwrap.
    @inlinable public var start: UnsafePointer<Float> { baseAddress ?? UnsafePointer(emptyStart) }
}

extension UnsafeMutableBufferPointer where Element == Float {
    /// The first element's address; for an empty buffer, a valid address that kernels never write.
    @inlinable public var start: UnsafeMutablePointer<Float> { baseAddress ?? emptyStart }
}

/// The stand-in address for empty buffers.
@usableFromInline
var emptyStart: UnsafeMutablePointer<Float> { emptyFloatStorage }
