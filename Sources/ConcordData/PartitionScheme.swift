/// How a dataset's examples are divided among federated clients.
///
/// - ``iid``: a uniform random split into equal parts, the IID baseline of McMahan et al. 2017,
///   "Communication-Efficient Learning of Deep Networks from Decentralized Data" (FedAvg).
/// - ``shards(perClient:)``: FedAvg's pathological non-IID split (§3 of the same paper): sort by
///   label, cut into equal shards, give each client `perClient` random shards.
/// - ``dirichlet(alpha:)``: the label-skew split of Hsu, Qi and Brown 2019, "Measuring the Effects
///   of Non-Identical Data Distribution for Federated Visual Classification": each client's class
///   proportions are drawn from Dir(α · prior).
///
/// ``Partitioner/partition(labels:classCount:clients:scheme:generator:)`` carries a scheme out.
/// On the command line a scheme is written as one of ``acceptedForms`` (see ``init(parsing:)``).
public enum PartitionScheme: Sendable, Equatable, CustomStringConvertible {
    /// Shuffle, then deal out equal parts (sizes differ by at most 1); McMahan et al. 2017's IID split.
    case iid
    /// McMahan et al. 2017, §3: sort by label, cut into `clients × perClient` equal shards and
    /// give each client `perClient` shards chosen at random. `perClient` must be at least 1.
    case shards(perClient: Int)
    /// Hsu, Qi and Brown 2019: each client's class proportions q ~ Dir(`alpha` · p), p the
    /// dataset's class prior. `alpha` must be positive and finite; small values give clients
    /// dominated by one class, large values approach the IID split.
    case dirichlet(alpha: Double)

    /// The shards each client receives when `shards` is written without a count: 2, the setting of
    /// McMahan et al. 2017 (200 shards of 300 MNIST digits for 100 clients).
    public static let defaultShardsPerClient = 2

    /// The textual forms ``init(parsing:)`` accepts, as shown in error messages and help text.
    public static let acceptedForms = [
        "iid",
        "shards (= shards:\(defaultShardsPerClient), McMahan et al. 2017)",
        "shards:K (K ≥ 1 shards per client)",
        "dirichlet:ALPHA (ALPHA > 0, finite; Hsu et al. 2019)",
    ]

    /// Parses a scheme written as `iid`, `shards`, `shards:K` or `dirichlet:ALPHA`
    /// (McMahan et al. 2017; Hsu, Qi and Brown 2019).
    ///
    /// Matching ignores case and surrounding white space. `shards` alone means
    /// ``defaultShardsPerClient`` shards per client, the FedAvg paper's setting.
    /// - Throws: ``DataError/invalidPartitionScheme(text:reason:)`` naming the problem and listing
    ///   ``acceptedForms``, for an unknown name, a missing or malformed parameter, `K < 1`, or an
    ///   `ALPHA` that is not a positive finite number.
    public init(parsing text: String) throws(DataError) {
        let trimmed = text.trimmingWhiteSpace().lowercased()
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts.first.map(String.init) ?? ""
        let parameter: String? = parts.count > 1 ? String(parts[1]).trimmingWhiteSpace() : nil
        func failure(_ reason: String) -> DataError { .invalidPartitionScheme(text: text, reason: reason) }

        switch name {
        case "iid":
            guard parameter == nil else { throw failure("'iid' takes no parameter") }
            self = .iid
        case "shards":
            guard let parameter else {
                self = .shards(perClient: Self.defaultShardsPerClient)
                return
            }
            guard let count = Int(parameter) else {
                throw failure("the shard count '\(parameter)' is not an integer")
            }
            guard count >= 1 else { throw failure("the shard count must be at least 1, got \(count)") }
            self = .shards(perClient: count)
        case "dirichlet":
            guard let parameter, !parameter.isEmpty else {
                throw failure("'dirichlet' needs a concentration, e.g. dirichlet:0.5")
            }
            guard let alpha = Double(parameter) else {
                throw failure("the concentration '\(parameter)' is not a number")
            }
            guard alpha > 0, alpha.isFinite else {
                throw failure("the concentration must be a positive finite number, got \(parameter)")
            }
            self = .dirichlet(alpha: alpha)
        default:
            throw failure(trimmed.isEmpty ? "the scheme is empty" : "unknown scheme '\(name)'")
        }
    }

    /// The scheme in the form ``init(parsing:)`` accepts: `iid`, `shards:K` or `dirichlet:ALPHA`.
    public var description: String {
        switch self {
        case .iid: "iid"
        case .shards(let perClient): "shards:\(perClient)"
        case .dirichlet(let alpha): "dirichlet:\(alpha)"
        }
    }

    /// The reason this scheme cannot be carried out, or `nil` when its parameters are valid.
    /// Schemes built in code (not parsed) are checked with this before partitioning.
    var invalidityReason: String? {
        switch self {
        case .iid:
            return nil
        case .shards(let perClient):
            return perClient >= 1 ? nil : "the shard count must be at least 1, got \(perClient)"
        case .dirichlet(let alpha):
            return alpha > 0 && alpha.isFinite
                ? nil : "the concentration must be a positive finite number, got \(alpha)"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    fileprivate func trimmingWhiteSpace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
