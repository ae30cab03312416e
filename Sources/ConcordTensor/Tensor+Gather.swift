extension Tensor {
    /// The scalars of one example (the product of all dimensions after the first).
    @inlinable public var exampleSize: Int { shape.isEmpty ? 1 : Tensor.elementCount(Array(shape.dropFirst())) }

    /// A new tensor holding the examples (rows along the first dimension) at `indices`, in order.
    ///
    /// - Precondition: every index is in `0..<shape[0]` (callers index with their own counts).
    public func gatherExamples<C: Collection>(_ indices: C) -> Tensor where C.Element == Int {
        var batch = Tensor.empty
        gatherExamples(indices, into: &batch)
        return batch
    }

    /// Writes the examples at `indices` into `batch`, reusing its storage when the size allows.
    public func gatherExamples<C: Collection>(_ indices: C, into batch: inout Tensor) where C.Element == Int {
        var newShape = shape
        newShape[0] = indices.count
        batch.prepare(shape: newShape)
        batch.withUnsafeMutableBufferPointer { gatherExamples(indices, into: $0.start) }
    }

    /// Copies the examples at `indices` one after another to `target`, which has room for
    /// `indices.count · exampleSize` scalars; each example is one `memcpy`.
    ///
    /// - Precondition: every index is in `0..<shape[0]`.
    public func gatherExamples<C: Collection>(_ indices: C, into target: UnsafeMutablePointer<Float>)
    where C.Element == Int {
        let size = exampleSize
        withUnsafeBufferPointer { source in
            var target = target
            for index in indices {
                precondition(index >= 0 && index < shape[0], "example index \(index) out of range 0..<\(shape[0])")
                target.update(from: source.start + index * size, count: size)
                target += size
            }
        }
    }

    /// The examples `range` along the first dimension.
    public func examples(_ range: Range<Int>) -> Tensor { gatherExamples(range) }
}
