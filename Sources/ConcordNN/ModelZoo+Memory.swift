import ConcordSystem

/// What a model needs before it is built: its parameter count, and whether a run with it fits in memory.
extension ModelZoo {
    /// How many copies of a model's parameters a run holds at once, as the factor of its memory check: the
    /// weights, their gradients, the optimizer's state (momentum) and the aggregation's copy (the global model a
    /// coordinator keeps beside the sum it builds, or a node's copy of the task's parameters). An honest floor,
    /// not a ceiling: FedAdam, SCAFFOLD and secure aggregation keep more, and activations come on top.
    public static let runCopies = 4

    /// The number of parameters `make` would give the model, counted without building it.
    ///
    /// - Parameters:
    ///   - name: a model name, as ``make(_:inputShape:classes:seed:budget:)`` takes.
    ///   - inputShape: one example's shape, NHWC.
    ///   - classes: the number of output classes.
    /// - Returns: the parameter count (weights and biases of every layer).
    /// - Throws: ``ModelError/unknownModel(_:known:)``, ``ModelError/incompatibleShape(layer:expected:got:)``
    ///   for a CNN on input that is not an image, ``ModelError/tooManyParameters(model:inputShape:classes:)``
    ///   when the count overflows.
    public static func parameterCount(_ name: String, inputShape: [Int], classes: Int) throws(ModelError) -> Int {
        var count = Count()
        var features = 1
        for extent in inputShape { features = count.times(features, extent) }
        switch name == "mlp" || mlpWidth(name) != nil ? "mlp" : name {
        case "logreg":
            count.dense(features, classes)
        case "mlp":
            let width = mlpWidth(name) ?? 200
            count.dense(features, width)
            count.dense(width, width)
            count.dense(width, classes)
        case "cnn":
            guard inputShape.count == 3 else {
                throw .incompatibleShape(layer: "cnn", expected: "images [height, width, channels]", got: inputShape)
            }
            count.dense(count.times(25, inputShape[2]), 32)  // 5×5 kernels over the input's channels
            count.dense(25 * 32, 64)
            count.dense(count.times(count.times(inputShape[0] / 4, inputShape[1] / 4), 64), 512)
            count.dense(512, classes)
        default:
            throw .unknownModel(name, known: names)
        }
        guard !count.overflowed else {
            throw .tooManyParameters(model: name, inputShape: inputShape, classes: classes)
        }
        return count.total
    }

    /// Refuses a model whose run would not fit in memory: ``runCopies`` copies of its parameters, 4 bytes each.
    ///
    /// - Parameters:
    ///   - name: a model name, as ``make(_:inputShape:classes:seed:budget:)`` takes.
    ///   - inputShape: one example's shape, NHWC.
    ///   - classes: the number of output classes.
    ///   - budget: the memory the run may use.
    /// - Returns: the parameter count.
    /// - Throws: ``ModelError/insufficientMemory(model:parameters:neededBytes:budget:)``, and what
    ///   ``parameterCount(_:inputShape:classes:)`` throws.
    @discardableResult
    public static func checkFits(
        _ name: String, inputShape: [Int], classes: Int, budget: MemoryBudget = .current()
    ) throws(ModelError) -> Int {
        let parameters = try parameterCount(name, inputShape: inputShape, classes: classes)
        let (needed, overflow) = parameters.multipliedReportingOverflow(by: 4 * runCopies)
        guard !overflow else { throw .tooManyParameters(model: name, inputShape: inputShape, classes: classes) }
        guard budget.allows(needed) else {
            throw .insufficientMemory(model: name, parameters: parameters, neededBytes: needed, budget: budget)
        }
        return parameters
    }

    /// A running parameter count that remembers whether it overflowed.
    private struct Count {
        var total = 0
        var overflowed = false

        /// `a × b`, noting an overflow (and giving 0 then).
        mutating func times(_ a: Int, _ b: Int) -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            if overflow || a < 0 || b < 0 { overflowed = true }
            return overflow ? 0 : product
        }

        /// Adds a layer of `inputs × outputs` weights and `outputs` biases.
        mutating func dense(_ inputs: Int, _ outputs: Int) {
            let (withWeights, overflowWeights) = total.addingReportingOverflow(times(inputs, outputs))
            let (withBiases, overflowBiases) = withWeights.addingReportingOverflow(outputs)
            if overflowWeights || overflowBiases { overflowed = true }
            total = withBiases
        }
    }
}
