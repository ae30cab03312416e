import ConcordSystem

/// Zoo models trained with a loss other than softmax cross-entropy.
extension ModelZoo {
    /// Builds zoo model `name` for `loss`: its last layer has one output (a logit) for binary cross-entropy and
    /// `classes` outputs otherwise; for softmax cross-entropy the model is exactly
    /// ``make(_:inputShape:classes:seed:budget:)``'s.
    ///
    /// - Parameters:
    ///   - name: as ``make(_:inputShape:classes:seed:budget:)`` takes (`logreg` with binary cross-entropy is
    ///     logistic regression).
    ///   - inputShape: one example's shape.
    ///   - classes: the data's classes (2 for binary cross-entropy), or regression outputs for mean squared error.
    ///   - loss: the loss the model trains and evaluates with.
    ///   - seed: the seed of the initialisation.
    ///   - budget: the memory a run with the model may use.
    /// - Throws: ``ModelError/incompatibleShape(layer:expected:got:)`` when binary cross-entropy is asked of data
    ///   that does not have two classes; the errors of ``make(_:inputShape:classes:seed:budget:)``.
    public static func make(
        _ name: String, inputShape: [Int], classes: Int, loss: ModelLoss, seed: UInt64,
        budget: MemoryBudget = .current()
    ) throws -> Sequential {
        if loss == .binaryCrossEntropy, classes != 2 {
            throw ModelError.incompatibleShape(
                layer: "output", expected: "data with 2 classes for binary_cross_entropy", got: [classes])
        }
        let outputs = loss == .binaryCrossEntropy ? 1 : classes
        let model = try make(name, inputShape: inputShape, classes: outputs, seed: seed, budget: budget)
        model.loss = loss
        return model
    }
}
