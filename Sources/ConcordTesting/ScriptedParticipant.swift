/// ConcordTesting: test doubles for federations, for Concord's own tests and its users'.
import ConcordFederation
import ConcordNN

/// A participant whose behaviour is scripted: it answers with fixed parameters, fails, stalls past a
/// deadline or sends parameters of another model, so coordinator and strategy code can be tested
/// against every kind of participant without training anything.
public struct ScriptedParticipant: ClientProxy {
    /// What the participant does when asked to train.
    public enum Behaviour: Sendable {
        /// Returns `values` as its parameters, trained on `examples` examples.
        case answer(values: [Float], examples: Int)
        /// Throws ``Failure``.
        case fail
        /// Sleeps this long before answering with the parameters it was sent (stops early when cancelled).
        case stall(Duration)
        /// Answers with parameters of a different layout, as a confused or hostile peer would.
        case wrongLayout
    }

    /// The error a `.fail` participant throws.
    public struct Failure: Error, CustomStringConvertible {
        /// "disk on fire".
        public var description: String { "disk on fire" }
    }

    /// The participant's id.
    public let id: Int
    /// Its scripted behaviour.
    public let behaviour: Behaviour

    /// Creates a scripted participant.
    public init(id: Int, behaviour: Behaviour) {
        self.id = id
        self.behaviour = behaviour
    }

    /// Acts out the script; its metrics report `loss` = its id.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
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

    /// A fixed evaluation: loss 1, accuracy 0.5 on 10 examples.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        EvaluationResult(loss: 1, accuracy: 0.5, exampleCount: 10)
    }
}
