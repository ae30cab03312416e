import ConcordNN

extension SimulationSettings {
    /// The model every worker trains, freshly initialised from ``seed``: the described model when there is one,
    /// else the zoo's ``model`` with ``loss``. Without a loss or a description it is exactly the zoo's model.
    ///
    /// - Parameters:
    ///   - inputShape: one example's shape.
    ///   - classes: the data's classes (or regression outputs).
    /// - Throws: the zoo's or the description's error when the model cannot be built for the data.
    public func makeModel(inputShape: [Int], classes: Int) throws -> Sequential {
        if let modelDescription {
            return try modelDescription.build(inputShape: inputShape, classes: classes, seed: seed)
        }
        guard let loss, loss != .softmaxCrossEntropy else {
            return try ModelZoo.make(model, inputShape: inputShape, classes: classes, seed: seed)
        }
        return try ModelZoo.make(model, inputShape: inputShape, classes: classes, loss: loss, seed: seed)
    }
}
