import ConcordNN
import ConcordTensor

/// Plain SGD on a participant's local objective with the terms federated algorithms add to it:
///
///     w ← w − η·(∇F_k(w) + μ·(w − w_global) + correction)
///
/// The proximal term μ/2·‖w − w_global‖² is FedProx's (Li et al. 2020, "Federated Optimization in
/// Heterogeneous Networks"); the constant `correction` is SCAFFOLD's drift correction c − c_i
/// (Karimireddy et al. 2020). With μ = 0 and no correction it is plain SGD.
public final class LocalSGD: Optimizer {
    /// The step size η.
    public var learningRate: Float
    /// The proximal weight μ.
    public let proximalMu: Float
    /// The global parameters the proximal term pulls towards, flat in layout order.
    public let anchor: [Float]
    /// The constant added to every gradient, flat in layout order; nil for none.
    public let correction: [Float]?

    /// Creates the optimiser.
    ///
    /// - Throws: ``FederationError/layoutMismatch(_:)`` when `correction` and `anchor` differ in length.
    public init(learningRate: Float, proximalMu: Float, anchor: [Float], correction: [Float]?) throws {
        if let correction, correction.count != anchor.count {
            throw FederationError.layoutMismatch(
                "a correction of \(correction.count) values for \(anchor.count) parameters")
        }
        self.learningRate = learningRate
        self.proximalMu = proximalMu
        self.anchor = anchor
        self.correction = correction
    }

    /// Nothing to forget: the optimiser keeps no state between steps.
    public func reset() {}

    /// Applies one update from the gradients of the last backward pass.
    public func step(_ model: Sequential) {
        let lr = learningRate, mu = proximalMu
        var offset = 0
        anchor.withUnsafeBufferPointer { anchor in
            (correction ?? []).withUnsafeBufferPointer { correction in
                model.forEachParameter { _, parameter, gradient in
                    parameter.withUnsafeMutableBufferPointer { w in
                        gradient.withUnsafeBufferPointer { g in
                            let n = w.count
                            let a = anchor.start + offset
                            if correction.isEmpty {
                                for i in 0..<n { w[i] -= lr * (g[i] + mu * (w[i] - a[i])) }
                            } else {
                                let c = correction.start + offset
                                for i in 0..<n { w[i] -= lr * (g[i] + mu * (w[i] - a[i]) + c[i]) }
                            }
                            offset += n
                        }
                    }
                }
            }
        }
    }
}
