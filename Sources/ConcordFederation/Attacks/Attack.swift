/// A poisoning attack a simulated participant mounts, so that robustness is measured rather than
/// claimed. Model-poisoning attacks replace the honest update Δ = w_k − w_global; label flipping
/// poisons the data instead.
public enum Attack: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Sends −K·Δ (the literature's sign flip; K = 1 only slows the mean down, larger K derails it).
    case signFlip(Float)
    /// Sends pure noise: Δ drawn from N(0, σ²) per coordinate.
    case gaussian(Float)
    /// Sends F·Δ, boosting the attacker's influence.
    case scaling(Float)
    /// Trains honestly on data whose labels are flipped, y → (classes − 1 − y).
    case labelFlip

    /// Parses `sign-flip:K`, `gaussian:SIGMA`, `scaling:FACTOR` or `label-flip`.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` naming the accepted forms.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts.first?.lowercased() ?? ""
        let value = parts.count == 2 ? Float(parts[1]) : nil
        switch (name, value) {
        case ("sign-flip", let k?) where k.isFinite && k > 0: self = .signFlip(k)
        case ("gaussian", let sigma?) where sigma.isFinite && sigma > 0: self = .gaussian(sigma)
        case ("scaling", let factor?) where factor.isFinite: self = .scaling(factor)
        case ("label-flip", nil) where parts.count == 1: self = .labelFlip
        default:
            throw FederationError.invalidConfiguration(
                "cannot read the attack '\(text)': expected sign-flip:K (K > 0), gaussian:SIGMA (SIGMA > 0), "
                    + "scaling:FACTOR or label-flip")
        }
    }

    /// The form ``init(parsing:)`` reads.
    public var description: String {
        switch self {
        case .signFlip(let k): "sign-flip:\(k)"
        case .gaussian(let sigma): "gaussian:\(sigma)"
        case .scaling(let factor): "scaling:\(factor)"
        case .labelFlip: "label-flip"
        }
    }

    /// Whether the attack rewrites the update (rather than the data).
    var poisonsModel: Bool { self != .labelFlip }
}
