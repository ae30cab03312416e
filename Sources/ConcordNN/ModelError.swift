import ConcordSystem

/// Errors raised when a model is built, fed or loaded with something it cannot take.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A layer received input of a shape it cannot process.
    case incompatibleShape(layer: String, expected: String, got: [Int])
    /// A parameter vector or file does not match the model.
    case parameterMismatch(String)
    /// The model name is not in the zoo.
    case unknownModel(String, known: [String])
    /// The model's parameter count cannot even be represented (a width or input far too large).
    case tooManyParameters(model: String, inputShape: [Int], classes: Int)
    /// A run with this model would need `neededBytes` (``ModelZoo/runCopies`` copies of its `parameters` as
    /// 32-bit floats), more than `budget` leaves: refused before anything is allocated.
    case insufficientMemory(model: String, parameters: Int, neededBytes: Int, budget: MemoryBudget)
    /// A ``ModelDescription`` cannot be built: `layer` is the 0-based position of the layer at fault.
    case invalidDescription(layer: Int, reason: String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .incompatibleShape(let layer, let expected, let got):
            "layer \(layer) expects input \(expected), got \(got)"
        case .parameterMismatch(let detail): "parameters do not match the model: \(detail)"
        case .unknownModel(let name, let known):
            "unknown model '\(name)'; known models: \(known.joined(separator: ", "))"
        case .tooManyParameters(let model, let inputShape, let classes):
            "model '\(model)' on input \(inputShape) with \(classes) classes has more parameters than can be "
                + "counted; choose a smaller model"
        case .invalidDescription(let layer, let reason):
            "model description, layer \(layer): \(reason)"
        case .insufficientMemory(let model, let parameters, let needed, let budget):
            "model '\(model)' has \(ByteCountText.grouped(parameters)) parameters: a run needs "
                + "\(ByteCountText.describe(needed)) (\(ModelZoo.runCopies) copies of 4 bytes per parameter: weights, "
                + "gradients, the optimizer's and the aggregation's) and \(ByteCountText.describe(budget.availableBytes)) "
                + "are available (\(budget.limitedBy)); choose a smaller model (a smaller WIDTH in mlp:WIDTH)"
        }
    }
}
