/// Updates a model's parameters from the gradients its last backward pass left.
public protocol Optimizer: AnyObject {
    /// The step size.
    var learningRate: Float { get set }
    /// Applies one update to every parameter of `model`.
    func step(_ model: Sequential)
    /// Forgets all state (momentum, moments), as at construction.
    func reset()
}
