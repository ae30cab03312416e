/// The loss a described model trains with; it decides how many outputs the last layer has.
public enum ModelLoss: String, Sendable, Equatable, Codable, CaseIterable {
    /// Softmax cross-entropy over `classes` logits (``SoftmaxCrossEntropy``).
    case softmaxCrossEntropy = "softmax_cross_entropy"
    /// Sigmoid binary cross-entropy over one logit, for two-class data (``BinaryCrossEntropy``).
    case binaryCrossEntropy = "binary_cross_entropy"
    /// Mean squared error over `classes` regression outputs (``MeanSquaredError``).
    case meanSquaredError = "mean_squared_error"

    /// The width of the model's output for data with `classes` classes (or regression targets).
    ///
    /// - Throws: ``ModelError/invalidDescription(layer:reason:)`` (at `layer`) when binary cross-entropy is asked of
    ///   data that does not have exactly two classes.
    public func outputWidth(classes: Int, layer: Int) throws -> Int {
        switch self {
        case .softmaxCrossEntropy, .meanSquaredError:
            return classes
        case .binaryCrossEntropy:
            guard classes == 2 else {
                throw ModelError.invalidDescription(
                    layer: layer, reason: "binary_cross_entropy needs data with 2 classes, the data has \(classes)")
            }
            return 1
        }
    }
}
