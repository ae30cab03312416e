import ConcordTensor

/// Parameter initialisation schemes.
public enum Initialization {
    /// Uniform in ±1/√fanIn: PyTorch's default for `Linear` and `Conv2d` weights and biases
    /// (Kaiming-uniform with a = √5), so Concord's models start like their PyTorch twins.
    public static func uniformFanIn(shape: [Int], fanIn: Int, using generator: inout SeededGenerator) -> Tensor {
        uniform(shape: shape, bound: 1 / Float(max(fanIn, 1)).squareRoot(), using: &generator)
    }

    /// Uniform in ±bound.
    public static func uniform(shape: [Int], bound: Float, using generator: inout SeededGenerator) -> Tensor {
        let count = Tensor.elementCount(shape)
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = (generator.nextUnitFloat() * 2 - 1) * bound }
        return Tensor(shape: shape, scalars: scalars)
    }
}
