/// Storage that stands in for the address of an empty buffer; never read or written.
nonisolated(unsafe) private let emptyStorage = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)

/// The stand-in address for empty buffers of any element type.
@usableFromInline
var emptyStart: UnsafeMutableRawPointer { emptyStorage }

extension UnsafeBufferPointer {
    /// The first element's address; for an empty buffer, a valid address that kernels never read
    /// (every kernel touches only `count` elements), so callers need no force-unwrap.
    @inlinable public var start: UnsafePointer<Element> {
        baseAddress ?? UnsafePointer(emptyStart.assumingMemoryBound(to: Element.self))
    }
}

extension UnsafeMutableBufferPointer {
    /// The first element's address; for an empty buffer, a valid address that kernels never touch.
    @inlinable public var start: UnsafeMutablePointer<Element> {
        baseAddress ?? emptyStart.assumingMemoryBound(to: Element.self)
    }
}
