/// How DP-FedAvg chooses the clip norm C of participants' updates.
public enum ClippingPolicy: Sendable, Codable, Equatable {
    /// A fixed clip norm.
    case fixed(Double)
    /// A clip norm that follows a quantile of the update norms (Andrew et al. 2021).
    case adaptive(AdaptiveClipping)

    /// The current clip norm.
    public var clipNorm: Double {
        switch self {
        case .fixed(let c): c
        case .adaptive(let adaptive): adaptive.clipNorm
        }
    }
}
