import ConcordFederation

/// What a node under a charter does besides training (built by `concord node --charter` from ConcordGovernance):
/// its own check of every task, in front of its training, and its signed receipt for every update it sends.
public struct NodeEnforcement: Sendable {
    /// Puts the node's training behind its checks (a refused task is a refusal the coordinator records).
    public var enforce: @Sendable (any ClientProxy) -> any ClientProxy
    /// The node's signed receipt for the update it sends for an instruction.
    public var receipt: @Sendable (ClientUpdate, FitInstruction) throws -> UpdateReceipt

    /// Creates the node's enforcement.
    public init(
        enforce: @escaping @Sendable (any ClientProxy) -> any ClientProxy,
        receipt: @escaping @Sendable (ClientUpdate, FitInstruction) throws -> UpdateReceipt
    ) {
        self.enforce = enforce
        self.receipt = receipt
    }
}
