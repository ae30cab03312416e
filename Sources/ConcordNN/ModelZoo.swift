import ConcordSystem
import ConcordTensor

/// The models of McMahan et al. 2017 ("Communication-Efficient Learning of Deep Networks
/// from Decentralized Data"), the FedAvg paper, by name.
public enum ModelZoo {
    /// The names `make` accepts (and `mlp:WIDTH`, see ``make(_:inputShape:classes:seed:budget:)``).
    public static let names = ["logreg", "mlp", "cnn"]

    /// Whether `make` knows `name`: one of ``names``, or `mlp:WIDTH` with a width from 1 to 65,536.
    public static func isKnown(_ name: String) -> Bool { names.contains(name) || mlpWidth(name) != nil }

    /// The hidden width of `mlp:WIDTH`.
    static func mlpWidth(_ name: String) -> Int? {
        guard name.hasPrefix("mlp:"), let width = Int(name.dropFirst(4)), (1...65536).contains(width) else {
            return nil
        }
        return width
    }

    /// Builds a freshly initialised model. ReLUs are fused into the layer before them (same function, less memory traffic).
    ///
    /// - Parameters:
    ///   - name: `logreg` (multinomial logistic regression), `mlp` (the paper's "2NN": two hidden
    ///     layers of 200 ReLU units; `mlp:WIDTH` has WIDTH units in each, e.g. `mlp:6700`, 50 million
    ///     parameters on MNIST, for moving large models) or `cnn` (two 5×5 convolutions of 32 and 64 channels with "same"
    ///     padding, each followed by 2×2 max-pooling, a 512-unit ReLU layer and a softmax output).
    ///   - inputShape: one example's shape, NHWC ([28, 28, 1] for MNIST; the CNN needs images).
    ///   - classes: the number of output classes.
    ///   - seed: the seed of the initialisation.
    ///   - budget: the memory a run with the model may use; the parameter count is checked against it (see
    ///     ``checkFits(_:inputShape:classes:budget:)``) before anything is allocated.
    /// - Throws: ``ModelError/unknownModel(_:known:)``, a shape error when the model cannot take the input,
    ///   ``ModelError/insufficientMemory(model:parameters:neededBytes:budget:)`` or
    ///   ``ModelError/tooManyParameters(model:inputShape:classes:)`` when it is too large.
    public static func make(
        _ name: String, inputShape: [Int] = [28, 28, 1], classes: Int = 10, seed: UInt64,
        budget: MemoryBudget = .current()
    ) throws -> Sequential {
        try checkFits(name, inputShape: inputShape, classes: classes, budget: budget)
        var g = SeededGenerator(seed: seed)
        let features = Tensor.elementCount(inputShape)
        let width = mlpWidth(name) ?? 200
        switch name == "mlp" || mlpWidth(name) != nil ? "mlp" : name {
        case "logreg":
            return try Sequential(
                inputShape: inputShape,
                layers: [
                    Flatten(), Dense(name: "fc", inputSize: features, outputSize: classes, generator: &g),
                ])
        case "mlp":
            return try Sequential(
                inputShape: inputShape,
                layers: [
                    Flatten(),
                    Dense(name: "fc1", inputSize: features, outputSize: width, activation: .relu, generator: &g),
                    Dense(name: "fc2", inputSize: width, outputSize: width, activation: .relu, generator: &g),
                    Dense(name: "fc3", inputSize: width, outputSize: classes, generator: &g),
                ])
        case "cnn":
            guard inputShape.count == 3 else {
                throw ModelError.incompatibleShape(
                    layer: "cnn", expected: "images [height, width, channels]", got: inputShape)
            }
            let pooled = [inputShape[0] / 4, inputShape[1] / 4]
            return try Sequential(
                inputShape: inputShape,
                layers: [
                    Conv2D(
                        name: "conv1", inChannels: inputShape[2], outChannels: 32, kernelSize: 5, padding: .same,
                        activation: .relu, generator: &g),
                    MaxPool2D(name: "pool1"),
                    Conv2D(
                        name: "conv2", inChannels: 32, outChannels: 64, kernelSize: 5, padding: .same,
                        activation: .relu, generator: &g),
                    MaxPool2D(name: "pool2"),
                    Flatten(),
                    Dense(
                        name: "fc1", inputSize: pooled[0] * pooled[1] * 64, outputSize: 512, activation: .relu,
                        generator: &g),
                    Dense(name: "fc2", inputSize: 512, outputSize: classes, generator: &g),
                ])
        default:
            throw ModelError.unknownModel(name, known: names)
        }
    }
}
