/// A strategy named in text, as `concord simulate --strategy` and federation configs name them:
/// an aggregator, a server optimiser, or both joined by `+`.
///
/// Aggregators: `mean` (example-weighted), `median`, `trimmed-mean:BETA`, `krum:F`, `multi-krum:F,M`,
/// `bulyan:F`. Server optimisers: `fedavg` (the full step), `fedavgm`, `fedadam`, `fedyogi`, `fedadagrad`.
/// `fedprox:MU` is FedAvg with a proximal term; `scaffold` (option II control variates) and `scaffold-full`
/// (option I, full-data gradients) stand alone. A name alone pairs an aggregator
/// with the plain step and an optimiser with the mean: `median` is `median+fedavg`, `fedadam` is
/// `mean+fedadam`; `trimmed-mean:0.2+fedavgm` combines them.
public struct StrategySpecification: Sendable, Equatable, CustomStringConvertible {
    /// How participants' parameters combine.
    public enum Aggregation: Sendable, Equatable {
        /// The example-weighted mean.
        case mean
        /// The coordinate-wise median.
        case median
        /// The coordinate-wise β-trimmed mean.
        case trimmedMean(beta: Double)
        /// Krum (m = 1) or Multi-Krum.
        case krum(f: Int, m: Int)
        /// Bulyan.
        case bulyan(f: Int)
    }

    /// The server's step.
    public enum ServerStep: Sendable, Equatable {
        /// FedAvg's full step (η = 1 unless a server learning rate is given).
        case average
        /// FedAvgM.
        case momentum
        /// FedAdam.
        case adam
        /// FedYogi.
        case yogi
        /// FedAdagrad.
        case adagrad
        /// SCAFFOLD (with the mean; stands alone), option II.
        case scaffold
        /// SCAFFOLD with option I's full-gradient control variates.
        case scaffoldFullGradient
    }

    /// The aggregation.
    public var aggregation: Aggregation
    /// The server step.
    public var step: ServerStep
    /// FedProx's μ (0 unless `fedprox:MU`).
    public var proximalMu: Float
    /// Whether stragglers' partial work is aggregated (FedProx, even with μ = 0) rather than dropped.
    public var aggregatesPartialWork: Bool
    /// The text this was parsed from.
    public let description: String

    /// Parses a strategy name.
    ///
    /// - Throws: ``FederationError/invalidConfiguration(_:)`` naming what is accepted.
    public init(parsing text: String) throws {
        description = text
        aggregation = .mean
        step = .average
        proximalMu = 0
        aggregatesPartialWork = false
        let parts = text.lowercased().split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count) else { throw Self.unreadable(text) }
        var sawAggregation = false, sawStep = false
        for part in parts {
            if let aggregation = try Self.aggregation(part, in: text) {
                guard !sawAggregation else { throw Self.unreadable(text) }
                self.aggregation = aggregation
                sawAggregation = true
            } else if let (step, mu) = try Self.step(part, in: text) {
                guard !sawStep else { throw Self.unreadable(text) }
                self.step = step
                self.proximalMu = mu
                self.aggregatesPartialWork = part.hasPrefix("fedprox")
                sawStep = true
            } else {
                throw Self.unreadable(text)
            }
        }
        if step == .scaffold || step == .scaffoldFullGradient, aggregation != .mean {
            throw FederationError.invalidConfiguration(
                "scaffold keeps per-participant state and averages; it does not combine with '\(parts[0])'")
        }
    }

    private static func aggregation(_ part: String, in text: String) throws -> Aggregation? {
        let (name, argument) = split(part)
        switch name {
        case "mean": return argument == nil ? .mean : nil
        case "median": return argument == nil ? .median : nil
        case "trimmed-mean":
            guard let beta = argument.flatMap(Double.init), beta >= 0, beta < 0.5 else {
                throw FederationError.invalidConfiguration("trimmed-mean needs β in [0, 0.5): trimmed-mean:0.2")
            }
            return .trimmedMean(beta: beta)
        case "krum":
            guard let f = argument.flatMap(Int.init), f >= 0 else {
                throw FederationError.invalidConfiguration("krum needs the number of attackers f ≥ 0: krum:2")
            }
            return .krum(f: f, m: 1)
        case "multi-krum":
            let numbers = (argument ?? "").split(separator: ",").map { Int($0) }
            guard numbers.count == 2, let f = numbers[0], let m = numbers[1], f >= 0, m >= 1 else {
                throw FederationError.invalidConfiguration("multi-krum needs f ≥ 0 and m ≥ 1: multi-krum:2,5")
            }
            return .krum(f: f, m: m)
        case "bulyan":
            guard let f = argument.flatMap(Int.init), f >= 0 else {
                throw FederationError.invalidConfiguration("bulyan needs the number of attackers f ≥ 0: bulyan:2")
            }
            return .bulyan(f: f)
        default: return nil
        }
    }

    private static func step(_ part: String, in text: String) throws -> (ServerStep, Float)? {
        let (name, argument) = split(part)
        if name == "fedprox" {
            guard let mu = argument.flatMap(Float.init), mu >= 0, mu.isFinite else {
                throw FederationError.invalidConfiguration("fedprox needs μ ≥ 0: fedprox:1")
            }
            return (.average, mu)
        }
        guard argument == nil else { return nil }
        switch name {
        case "fedavg": return (.average, 0)
        case "fedavgm": return (.momentum, 0)
        case "fedadam": return (.adam, 0)
        case "fedyogi": return (.yogi, 0)
        case "fedadagrad": return (.adagrad, 0)
        case "scaffold": return (.scaffold, 0)
        case "scaffold-full": return (.scaffoldFullGradient, 0)
        default: return nil
        }
    }

    private static func split(_ part: String) -> (String, String?) {
        guard let colon = part.firstIndex(of: ":") else { return (part, nil) }
        return (String(part[..<colon]), String(part[part.index(after: colon)...]))
    }

    private static func unreadable(_ text: String) -> FederationError {
        .invalidConfiguration(
            "cannot read the strategy '\(text)': expected fedavg, fedavgm, fedprox:MU, fedadam, fedyogi, "
                + "fedadagrad, scaffold, scaffold-full, median, trimmed-mean:BETA, krum:F, multi-krum:F,M or bulyan:F, "
                + "or an aggregator and a server optimiser joined by '+' (median+fedavgm)")
    }

    /// The strategy, ready for the first round.
    ///
    /// - Parameters:
    ///   - local: local training settings (μ is replaced by this specification's).
    ///   - serverLearningRate: the server step η (defaults: 1 for averaging and FedAvgM, 0.01 for the
    ///     adaptive optimisers, 1 for SCAFFOLD).
    ///   - serverMomentum: FedAvgM's β (default 0.9).
    ///   - stragglerFraction: simulated stragglers; FedProx (any μ) aggregates their partial work, the
    ///     other strategies drop them.
    public func make(
        local: LocalTraining, serverLearningRate: Float? = nil, serverMomentum: Float? = nil,
        stragglerFraction: Double = 0
    ) -> any Strategy {
        var local = local
        local.proximalMu = proximalMu
        let stragglers = StragglerSimulation(fraction: stragglerFraction, aggregatesPartialWork: aggregatesPartialWork)
        if step == .scaffold || step == .scaffoldFullGradient {
            return SCAFFOLD(
                local: local, serverLearningRate: serverLearningRate ?? 1,
                option: step == .scaffold ? .trajectory : .fullGradient, store: InMemoryControlVariates())
        }
        func with<A: UpdateAggregator>(_ aggregator: A) -> any Strategy {
            switch step {
            case .average, .scaffold, .scaffoldFullGradient:
                FedOpt(
                    local: local, aggregator: aggregator,
                    optimizer: ServerAveraging(learningRate: serverLearningRate ?? 1), stragglers: stragglers)
            case .momentum:
                FedOpt(
                    local: local, aggregator: aggregator,
                    optimizer: FedAvgM(learningRate: serverLearningRate ?? 1, momentum: serverMomentum ?? 0.9),
                    stragglers: stragglers)
            case .adam:
                FedOpt(
                    local: local, aggregator: aggregator, optimizer: FedAdam(learningRate: serverLearningRate ?? 0.01),
                    stragglers: stragglers)
            case .yogi:
                FedOpt(
                    local: local, aggregator: aggregator, optimizer: FedYogi(learningRate: serverLearningRate ?? 0.01),
                    stragglers: stragglers)
            case .adagrad:
                FedOpt(
                    local: local, aggregator: aggregator,
                    optimizer: FedAdagrad(learningRate: serverLearningRate ?? 0.01), stragglers: stragglers)
            }
        }
        switch aggregation {
        case .mean: return with(WeightedMean())
        case .median: return with(CoordinateMedian())
        case .trimmedMean(let beta): return with(TrimmedMean(beta: beta))
        case .krum(let f, let m): return with(Krum(f: f, m: m))
        case .bulyan(let f): return with(Bulyan(f: f))
        }
    }
}
