import ConcordFederation
import ConcordNN

/// A scripted participant: answers with fixed parameters, fails, stalls or lies, as a test needs.
struct FakeParticipant: ClientProxy {
    enum Behaviour: Sendable {
        /// Returns `values` trained on `examples` examples.
        case answer(values: [Float], examples: Int)
        /// Throws.
        case fail
        /// Sleeps this long before answering (to miss a deadline), unless cancelled.
        case stall(Duration)
        /// Answers with parameters of another model.
        case wrongLayout
    }

    let id: Int
    let behaviour: Behaviour

    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk on fire" }
    }

    func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        let layout = instruction.parameters.layout
        switch behaviour {
        case .answer(let values, let examples):
            return ClientUpdate(
                parameters: try Parameters(layout: layout, values: values), exampleCount: examples,
                metrics: ["loss": Double(id)])
        case .fail:
            throw Failure()
        case .stall(let duration):
            try await Task.sleep(for: duration)
            return ClientUpdate(parameters: instruction.parameters, exampleCount: 1)
        case .wrongLayout:
            let other = ParameterLayout([.init(name: "evil.weight", shape: [layout.scalarCount])])
            return ClientUpdate(
                parameters: try Parameters(layout: other, values: instruction.parameters.values),
                exampleCount: 1_000_000)
        }
    }

    func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        EvaluationResult(loss: 1, accuracy: 0.5, exampleCount: 10)
    }
}

enum Fixtures {
    static let layout = ParameterLayout([.init(name: "w", shape: [2]), .init(name: "b", shape: [1])])

    static func parameters(_ values: [Float]) throws -> Parameters { try Parameters(layout: layout, values: values) }
}
