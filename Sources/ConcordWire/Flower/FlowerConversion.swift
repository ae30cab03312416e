import ConcordFederation
import ConcordNN
import Foundation

/// Converts between Concord's training values and Flower's legacy messages (`FitIns`/`FitRes`,
/// `EvaluateIns`/`EvaluateRes`, `GetParametersRes`), checking everything a Flower client sends.
///
/// Parameters travel as Flower's `ndarrays`: one `.npy` tensor per entry of Concord's ``ParameterLayout``,
/// in its order and with its shapes (a dense layer's weight is `[out, in]`, its bias `[out]`). Settings
/// travel as the `config` a `NumPyClient.fit` receives: `round`, `local_epochs`, `batch_size` and `seed` as
/// `sint64`, `learning_rate` and `proximal_mu` as `double`.
enum FlowerConversion {
    /// Flower's name for the `.npy` tensors that `ndarrays_to_parameters` makes.
    static let tensorType = "numpy.ndarray"

    /// Why a Flower client cannot carry out `instruction`, if it cannot: what Concord's node does on its own
    /// side (local differential privacy, SCAFFOLD's corrections, gradient reports) has no place in Flower's
    /// `fit`.
    static func unsupported(_ instruction: FitInstruction) -> String? {
        if instruction.correction != nil || instruction.config.reportsGradient {
            return "the strategy needs Concord's own client (control variates or gradients), which a Flower "
                + "client does not run"
        }
        if instruction.config.clipNorm != nil {
            return "the run clips updates on the client (differential privacy under secure aggregation), which a "
                + "Flower client does not do"
        }
        if instruction.config.privacy != nil {
            return "the run adds differential-privacy noise on the client, which a Flower client does not do"
        }
        return nil
    }

    static func parameters(_ parameters: Parameters) -> Flwr_Proto_Parameters {
        var message = Flwr_Proto_Parameters()
        message.tensorType = tensorType
        message.tensors = zip(parameters.layout.entries, parameters.layout.offsets).map { entry, offset in
            NumPyArray.encode(parameters.values[offset..<offset + entry.count], shape: entry.shape)
        }
        return message
    }

    /// Parameters a Flower client sent, which must be exactly the layout's tensors: as many, each of its
    /// shape, every value finite.
    static func parameters(_ message: Flwr_Proto_Parameters, layout: ParameterLayout) throws(WireError) -> Parameters {
        let entries = layout.entries
        guard message.tensors.count == entries.count else {
            throw .malformed(
                "the Flower client sent \(message.tensors.count) tensors; the model has \(entries.count) ("
                    + entries.map { "\($0.name) \($0.shape)" }.joined(separator: ", ") + ")")
        }
        var values: [Float] = []
        values.reserveCapacity(layout.scalarCount)
        for (index, (tensor, entry)) in zip(message.tensors, entries).enumerated() {
            let array: NumPyArray
            do {
                array = try NumPyArray.decode(tensor)
            } catch {
                throw .malformed("tensor \(index) ('\(entry.name)'): \(error)")
            }
            guard array.shape == entry.shape else {
                throw .malformed(
                    "tensor \(index) ('\(entry.name)') has shape \(array.shape); the model's is \(entry.shape)")
            }
            guard array.values.allSatisfy(\.isFinite) else {
                throw .malformed("tensor \(index) ('\(entry.name)') holds non-finite values (NaN or infinity)")
            }
            values.append(contentsOf: array.values)
        }
        do {
            return try Parameters(layout: layout, values: values)
        } catch {
            throw .malformed("\(error)")
        }
    }

    static func config(_ instruction: FitInstruction) -> [String: Flwr_Proto_Scalar] {
        let settings = instruction.config
        return [
            "round": .int(instruction.round), "local_epochs": .int(settings.localEpochs),
            "batch_size": .int(settings.batchSize), "learning_rate": .double(Double(settings.learningRate)),
            "proximal_mu": .double(Double(settings.proximalMu)),
            "seed": .int(Int64(bitPattern: settings.seed)),
        ]
    }

    static func fitIns(_ instruction: FitInstruction) -> Flwr_Proto_ServerMessage {
        var message = Flwr_Proto_ServerMessage()
        message.fitIns.parameters = parameters(instruction.parameters)
        message.fitIns.config = config(instruction)
        return message
    }

    /// A `FitRes`, read against the layout the task was sent with; `maxExamples` bounds the weight it claims.
    static func update(
        _ reply: Flwr_Proto_ClientMessage.FitRes, layout: ParameterLayout, maxExamples: Int?
    )
        throws(WireError) -> ClientUpdate
    {
        if reply.status.code != .ok {
            throw .refused("\(reply.status.code): \(reply.status.message)")
        }
        guard reply.numExamples > 0 else {
            throw .malformed("the Flower client says it trained on \(reply.numExamples) examples")
        }
        if let maxExamples, reply.numExamples > Int64(maxExamples) {
            throw .malformed(
                "the Flower client claims \(reply.numExamples) examples; this run admits at most \(maxExamples) per "
                    + "participant")
        }
        return ClientUpdate(
            parameters: try parameters(reply.parameters, layout: layout), exampleCount: Int(reply.numExamples),
            metrics: numbers(reply.metrics))
    }

    static func evaluateIns(_ parameters: Parameters) -> Flwr_Proto_ServerMessage {
        var message = Flwr_Proto_ServerMessage()
        message.evaluateIns.parameters = self.parameters(parameters)
        return message
    }

    /// An `EvaluateRes`: its accuracy is the `accuracy` metric, which must be in [0, 1].
    static func evaluation(_ reply: Flwr_Proto_ClientMessage.EvaluateRes) throws(WireError) -> EvaluationResult {
        if reply.status.code != .ok { throw .refused("\(reply.status.code): \(reply.status.message)") }
        guard let accuracy = numbers(reply.metrics)["accuracy"] else {
            throw .malformed("the Flower client's evaluate returned no 'accuracy' metric")
        }
        guard accuracy >= 0, accuracy <= 1, reply.loss.isFinite, reply.numExamples >= 0 else {
            throw .malformed(
                "an evaluation with accuracy \(accuracy) and loss \(reply.loss) over \(reply.numExamples) examples")
        }
        return EvaluationResult(loss: Double(reply.loss), accuracy: accuracy, exampleCount: Int(reply.numExamples))
    }

    /// The numeric metrics (strings and bytes are left out).
    static func numbers(_ scalars: [String: Flwr_Proto_Scalar]) -> [String: Double] {
        var numbers: [String: Double] = [:]
        for (key, scalar) in scalars {
            switch scalar.scalar {
            case .double(let value) where value.isFinite: numbers[key] = value
            case .sint64(let value): numbers[key] = Double(value)
            case .uint64(let value): numbers[key] = Double(value)
            case .bool(let value): numbers[key] = value ? 1 : 0
            default: break
            }
        }
        return numbers
    }

    /// A string property.
    static func string(_ scalars: [String: Flwr_Proto_Scalar], _ key: String) -> String? {
        if case .string(let value) = scalars[key]?.scalar { return value }
        return nil
    }
}

extension Flwr_Proto_Scalar {
    /// An integer, as Flower sends ints: `sint64`.
    static func int<Integer: BinaryInteger>(_ value: Integer) -> Self {
        var scalar = Self()
        scalar.sint64 = Int64(clamping: value)
        return scalar
    }

    /// A float, as Flower sends them: `double`.
    static func double(_ value: Double) -> Self {
        var scalar = Self()
        scalar.double = value
        return scalar
    }

    /// A string.
    static func string(_ value: String) -> Self {
        var scalar = Self()
        scalar.string = value
        return scalar
    }
}
