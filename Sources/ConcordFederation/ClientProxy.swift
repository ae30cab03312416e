/// The coordinator's handle on one participant, in-process (simulation) or remote (gRPC).
///
/// Failures are thrown errors; the coordinator records them and carries on. Implementations
/// should stop work promptly when their task is cancelled (a round's deadline passed).
public protocol ClientProxy: Sendable {
    /// The participant's identifier, unique within a federation.
    var id: Int { get }

    /// Trains locally from the instruction's parameters and returns the result.
    func fit(_ instruction: FitInstruction) async throws -> ClientUpdate

    /// Evaluates parameters on the participant's own held-out data.
    func evaluate(_ parameters: Parameters) async throws -> EvaluationResult

    /// The most examples the participant may claim to have trained on (what a remote node declared when
    /// it joined), or nil when nothing bounds it. Under secure aggregation, where no single weight can be
    /// seen, the sum's total weight is checked against the total of these.
    var declaredExamples: Int? { get }
}

extension ClientProxy {
    /// Nil: an in-process participant's weight is its own data's size, not a claim.
    public var declaredExamples: Int? { nil }
}

/// The participant side of a round: what a node runs behind a ``ClientProxy``.
///
/// Concord's built-in ``ModelTrainer`` trains a ConcordNN model; any other framework can stand
/// behind the same protocol.
public protocol LocalTrainer {
    /// Trains from the given global parameters with the given settings.
    func fit(_ instruction: FitInstruction) throws -> ClientUpdate

    /// Evaluates parameters on local data.
    func evaluate(_ parameters: Parameters) throws -> EvaluationResult
}
