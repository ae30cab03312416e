import ConcordTensor

/// A model written out in a run's configuration: a sequence of the engine's layers with their sizes. The input
/// shape and the number of classes come from the data schema; the last dense layer may leave `units` out to mean
/// "one output per class" (one output in all for ``ModelLoss/binaryCrossEntropy``). Layers are named by position ("0", "1", ...) as PyTorch's `nn.Sequential` names them, so a
/// state dictionary exported from the same `nn.Sequential` (dense weights [out, in]) loads by name.
public struct ModelDescription: Sendable, Equatable, Codable {
    /// One layer of the description.
    public struct LayerSpec: Sendable, Equatable, Codable {
        /// `dense`, `conv2d`, `maxpool2d`, `relu`, `dropout` or `flatten`.
        public var type: String
        /// Dense: output features (nil for the last dense layer: one per class).
        public var units: Int?
        /// Conv2d: output channels.
        public var filters: Int?
        /// Conv2d: window side; maxpool2d: pool side (default 2).
        public var size: Int?
        /// Conv2d and maxpool2d: the step between windows.
        public var stride: Int?
        /// Conv2d: `valid` (the default) or `same`.
        public var padding: String?
        /// Dropout: the probability of dropping a unit.
        public var rate: Float?

        /// Creates a layer spec; only the fields its `type` uses are read.
        public init(
            type: String, units: Int? = nil, filters: Int? = nil, size: Int? = nil, stride: Int? = nil,
            padding: String? = nil, rate: Float? = nil
        ) {
            self.type = type
            self.units = units
            self.filters = filters
            self.size = size
            self.stride = stride
            self.padding = padding
            self.rate = rate
        }
    }

    /// The layer types a description may use.
    public static let layerTypes = ["dense", "conv2d", "maxpool2d", "relu", "dropout", "flatten"]

    /// The layers, first to last.
    public var layers: [LayerSpec]

    /// The loss the model trains with; nil means softmax cross-entropy (the zoo's models' loss).
    public var loss: ModelLoss?

    /// Creates a description from its layers and loss.
    public init(layers: [LayerSpec], loss: ModelLoss? = nil) {
        self.layers = layers
        self.loss = loss
    }

    /// Builds the model with fresh weights.
    ///
    /// - Parameters:
    ///   - inputShape: One example's shape, from the data schema (NHWC for images).
    ///   - classes: The number of classes, from the data schema.
    ///   - seed: The seed of the initialisation and of dropout masks.
    /// - Throws: ``ModelError/invalidDescription(layer:reason:)`` naming the layer for an unknown type or a bad
    ///   size, or a shape error when a layer cannot take its predecessor's output.
    public func build(inputShape: [Int], classes: Int, seed: UInt64) throws -> Sequential {
        var generator = SeededGenerator(seed: seed)
        var built: [any Layer] = []
        var shape = inputShape
        let lastDense = layers.lastIndex { $0.type == "dense" }
        let outputs = try (loss ?? .softmaxCrossEntropy).outputWidth(classes: classes, layer: max(layers.count - 1, 0))
        for (index, spec) in layers.enumerated() {
            let name = String(index)
            func positive(_ value: Int?, _ field: String, default fallback: Int? = nil) throws -> Int {
                guard let value = value ?? fallback else {
                    throw ModelError.invalidDescription(layer: index, reason: "\(spec.type) needs '\(field)'")
                }
                guard value > 0 else {
                    throw ModelError.invalidDescription(
                        layer: index, reason: "'\(field)' must be positive, got \(value)")
                }
                return value
            }
            let layer: any Layer
            switch spec.type {
            case "dense":
                guard shape.count == 1 else {
                    throw ModelError.incompatibleShape(layer: name, expected: "a flat vector (add flatten)", got: shape)
                }
                let units = try positive(spec.units, "units", default: index == lastDense ? outputs : nil)
                layer = Dense(name: name, inputSize: shape[0], outputSize: units, generator: &generator)
            case "conv2d":
                guard shape.count == 3 else {
                    throw ModelError.incompatibleShape(
                        layer: name, expected: "images [height, width, channels]", got: shape)
                }
                let padding: Conv2D.Padding
                switch spec.padding ?? "valid" {
                case "valid": padding = .valid
                case "same": padding = .same
                case let other:
                    throw ModelError.invalidDescription(
                        layer: index, reason: "padding '\(other)' is not 'valid' or 'same'")
                }
                layer = Conv2D(
                    name: name, inChannels: shape[2], outChannels: try positive(spec.filters, "filters"),
                    kernelSize: try positive(spec.size, "size"),
                    stride: try positive(spec.stride, "stride", default: 1),
                    padding: padding, generator: &generator)
            case "maxpool2d":
                let size = try positive(spec.size, "size", default: 2)
                layer = MaxPool2D(
                    name: name, poolSize: size, stride: try positive(spec.stride, "stride", default: size))
            case "relu":
                layer = ReLU(name: name)
            case "flatten":
                layer = Flatten(name: name)
            case "dropout":
                guard let rate = spec.rate, rate >= 0, rate < 1 else {
                    throw ModelError.invalidDescription(layer: index, reason: "dropout needs a 'rate' in [0, 1)")
                }
                layer = Dropout(name: name, rate: rate, generator: SeededGenerator(seed: generator.next()))
            default:
                throw ModelError.invalidDescription(
                    layer: index,
                    reason: "unknown layer type '\(spec.type)'; known: \(Self.layerTypes.joined(separator: ", "))")
            }
            shape = try layer.outputShape(for: shape)
            built.append(layer)
        }
        guard shape == [outputs] else {
            throw ModelError.invalidDescription(
                layer: layers.count - 1,
                reason: "the model outputs \(shape), the data has \(classes) classes and the loss "
                    + "\((loss ?? .softmaxCrossEntropy).rawValue) needs [\(outputs)]")
        }
        let model = try Sequential(inputShape: inputShape, layers: built)
        model.loss = loss ?? .softmaxCrossEntropy
        return model
    }
}
