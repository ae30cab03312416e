import ConcordTensor

/// A model that applies its layers in order; the unit Concord trains, ships and aggregates.
///
/// Parameters are named `<layer>.<parameter>` ("fc1.weight"), stably, in layer order:
/// that order is the model's ``ParameterLayout``, the one flat parameter vectors follow.
public final class Sequential {
    /// The layers, first to last.
    public let layers: [any Layer]
    /// The shape of one input example, e.g. [28, 28, 1].
    public let inputShape: [Int]
    /// The shape of one output example, e.g. [10].
    public let outputShape: [Int]
    /// Parameter names and shapes in canonical order.
    public let layout: ParameterLayout
    /// The loss training and evaluation use (see ``ModelLoss``); softmax cross-entropy unless set.
    public var loss: ModelLoss = .softmaxCrossEntropy

    /// Creates a model, checking that every layer accepts the previous layer's output.
    ///
    /// - Throws: ``ModelError/incompatibleShape(layer:expected:got:)`` for a layer that cannot follow its predecessor.
    public init(inputShape: [Int], layers: [any Layer]) throws {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        self.layers = layers
        self.inputShape = inputShape
        self.outputShape = shape
        var entries: [ParameterLayout.Entry] = []
        for layer in layers {
            layer.updateParameters { index, parameter, _ in
                entries.append(.init(name: "\(layer.name).\(layer.parameterNames[index])", shape: parameter.shape))
            }
        }
        layout = ParameterLayout(entries)
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { layout.scalarCount }

    /// Runs the model on a batch `[batch] + inputShape`.
    ///
    /// - Throws: ``ModelError/incompatibleShape(layer:expected:got:)`` when the input does not match ``inputShape``.
    public func forward(_ input: Tensor, training: Bool = false) throws -> Tensor {
        try checkInput(input)
        return forwardUnchecked(input, training: training)
    }

    func checkInput(_ input: Tensor) throws {
        guard input.rank == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw ModelError.incompatibleShape(layer: "input", expected: "[batch] + \(inputShape)", got: input.shape)
        }
    }

    func forwardUnchecked(_ input: Tensor, training: Bool) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x, training: training) }
        return x
    }

    /// Back-propagates the loss gradient of the last training forward pass through every layer,
    /// leaving each parameter's gradient in its layer; the first layer's input gradient is skipped.
    public func backward(_ outputGradient: Tensor) {
        propagate(outputGradient) { layer, gradient, needsInput in
            layer.backward(gradient, needsInputGradient: needsInput)
        }
    }

    /// Runs `step` on every layer, last to first, feeding each the gradient the next one returned.
    private func propagate(_ outputGradient: Tensor, _ step: (any Layer, Tensor, Bool) -> Tensor?) {
        var gradient: Tensor? = outputGradient
        for (position, layer) in layers.enumerated().reversed() {
            guard let g = gradient else { break }
            gradient = step(layer, g, position > 0)
        }
    }

    /// Back-propagates and updates: plain SGD is fused into the layers' backward passes, any other
    /// optimiser steps after a full backward pass.
    func update(_ lossGradient: Tensor, _ optimizer: any Optimizer) {
        guard let learningRate = (optimizer as? SGD)?.plainLearningRate else {
            backward(lossGradient)
            optimizer.step(self)
            return
        }
        propagate(lossGradient) { layer, gradient, needsInput in
            layer.backwardApplyingSGD(gradient, needsInputGradient: needsInput, learningRate: learningRate)
        }
    }

    /// Forward, the model's ``loss``, backward and update on an already validated batch; the mean loss.
    func uncheckedStep(
        _ inputs: Tensor, _ labels: [Int32], _ optimizer: any Optimizer, targets: [Float]? = nil
    )
        -> Float
    {
        let logits = forwardUnchecked(inputs, training: true)
        let (loss, gradient) = uncheckedLossAndGradient(outputs: logits, labels: labels, targets: targets)
        update(gradient, optimizer)
        return loss
    }

    /// One optimisation step on a batch: forward, the model's ``loss``, backward, update.
    ///
    /// - Parameter targets: regression targets, `batch × outputs` row-major; needed by mean squared error only.
    /// - Returns: the batch's mean loss.
    /// - Throws: ``ModelError`` when the batch does not fit the model.
    @discardableResult
    public func trainStep(
        inputs: Tensor, labels: [Int32], targets: [Float]? = nil, optimizer: any Optimizer
    ) throws
        -> Float
    {
        try checkInput(inputs)
        try checkLabels(labels, batch: inputs.shape[0])
        try checkTargets(targets, batch: inputs.shape[0])
        guard !labels.isEmpty else { return 0 }
        return uncheckedStep(inputs, labels, optimizer, targets: targets)
    }

    func checkLabels(_ labels: [Int32], batch: Int) throws {
        let classes = Int32(labelClassCount)
        guard labels.count == batch else {
            throw ModelError.incompatibleShape(layer: "labels", expected: "\(batch) labels", got: [labels.count])
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw ModelError.incompatibleShape(
                layer: "labels", expected: "class indices in 0..<\(classes)", got: [Int(bad)])
        }
    }

    /// Calls `body` for every parameter in layout order, with its flat position, value and gradient.
    public func forEachParameter(_ body: (_ position: Int, _ parameter: inout Tensor, _ gradient: inout Tensor) -> Void)
    {
        var position = 0
        for layer in layers {
            layer.updateParameters { _, parameter, gradient in
                body(position, &parameter, &gradient)
                position += 1
            }
        }
    }
}
