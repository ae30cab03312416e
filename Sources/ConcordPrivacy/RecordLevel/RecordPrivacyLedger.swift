import Foundation

/// Everything one participant has released under record-level DP-SGD, and the ε at δ it amounts to: the
/// participant's own account, kept on its own disk by ``RecordPrivacyLedgerFile`` and across every run it takes
/// part in, since they all train on the same records.
///
/// Each release is a round's DP-SGD steps, each the sampled Gaussian mechanism with the round's per-record sampling
/// rate q and noise multiplier σ. The ε is recomputed from the releases (the RDP of steps with equal q and σ adds
/// up, so each distinct pair is composed once), never stored, so a ledger cannot claim less than its releases cost.
public struct RecordPrivacyLedger: Sendable, Codable, Equatable {
    /// One round's DP-SGD steps.
    public struct Release: Sendable, Codable, Equatable {
        /// The run the round belonged to.
        public var run: String
        /// The round.
        public var round: Int
        /// The per-record sampling rate q of each step.
        public var samplingRate: Double
        /// The noise multiplier σ of each step.
        public var noiseMultiplier: Double
        /// How many steps the round took.
        public var steps: Int

        /// Creates a release.
        public init(run: String, round: Int, samplingRate: Double, noiseMultiplier: Double, steps: Int) {
            self.run = run
            self.round = round
            self.samplingRate = samplingRate
            self.noiseMultiplier = noiseMultiplier
            self.steps = steps
        }

        enum CodingKeys: String, CodingKey {
            case run, round, steps
            case samplingRate = "sampling_rate"
            case noiseMultiplier = "noise_multiplier"
        }
    }

    /// The participant whose records these are.
    public let participant: String
    /// The δ at which ε is stated; fixed for the ledger's life, since its ε is one number at one δ.
    public let delta: Double
    /// The releases, in the order they were admitted.
    public private(set) var releases: [Release] = []

    /// An empty ledger.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when δ is not in (0, 1).
    public init(participant: String, delta: Double) throws(PrivacyError) {
        guard delta > 0, delta < 1 else { throw .invalidParameter("δ must be in (0, 1), got \(delta)") }
        self.participant = participant
        self.delta = delta
    }

    private enum CodingKeys: String, CodingKey {
        case participant, delta, releases
    }

    /// Reads a stored ledger, checking every number in it as ``admit(_:cap:)`` would have.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for a δ outside (0, 1) or a release with q outside (0, 1], σ not
    ///   positive or no steps.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        participant = try c.decode(String.self, forKey: .participant)
        delta = try c.decode(Double.self, forKey: .delta)
        releases = try c.decode([Release].self, forKey: .releases)
        func corrupt(_ reason: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: c.codingPath, debugDescription: reason))
        }
        guard delta > 0, delta < 1 else { throw corrupt("δ = \(delta) is not in (0, 1)") }
        for (i, r) in releases.enumerated() {
            guard r.samplingRate > 0, r.samplingRate <= 1, r.noiseMultiplier > 0, r.noiseMultiplier.isFinite,
                r.steps > 0
            else {
                throw corrupt(
                    "release \(i) (round \(r.round)) has q = \(r.samplingRate), σ = \(r.noiseMultiplier), "
                        + "\(r.steps) steps")
            }
        }
    }

    /// The DP-SGD steps released so far.
    public var steps: Int { releases.reduce(0) { $0 + $1.steps } }

    /// The ε at ``delta`` of every release (0 before any).
    ///
    /// - Throws: ``PrivacyError`` when a release's settings are out of range (a ledger edited by hand).
    public func epsilon() throws(PrivacyError) -> Double {
        try Self.epsilon(of: releases, delta: delta)
    }

    /// Adds `release` if the ledger's ε stays within `cap`, returning the new ε; otherwise changes nothing.
    ///
    /// - Throws: ``RecordPrivacyRefusal`` past the cap; ``PrivacyError/invalidParameter(_:)`` for a release whose
    ///   settings are out of range.
    @discardableResult
    public mutating func admit(_ release: Release, cap: Double?) throws -> Double {
        guard release.steps > 0 else { throw PrivacyError.invalidParameter("a release of \(release.steps) DP-SGD steps") }
        let epsilon = try Self.epsilon(of: releases + [release], delta: delta)
        if let cap, epsilon > cap {
            let spent = try self.epsilon()
            throw RecordPrivacyRefusal(
                description: "\(participant): round \(release.round) of run '\(release.run)' would take its "
                    + "record-level ε from \(Self.format(spent)) to \(Self.format(epsilon)) at δ = \(delta), "
                    + "past its cap of \(cap)")
        }
        releases.append(release)
        return epsilon
    }

    private static func epsilon(of releases: [Release], delta: Double) throws(PrivacyError) -> Double {
        guard !releases.isEmpty else { return 0 }
        var steps: [Pair: Int] = [:]
        for release in releases {
            steps[Pair(q: release.samplingRate, sigma: release.noiseMultiplier), default: 0] += release.steps
        }
        var accountant = RDPAccountant()
        // In a fixed order, so the same releases always give the same ε to the last bit.
        for (pair, count) in steps.sorted(by: { ($0.key.q, $0.key.sigma) < ($1.key.q, $1.key.sigma) }) {
            try accountant.compose(samplingRate: pair.q, noiseMultiplier: pair.sigma, steps: count)
        }
        return try accountant.epsilon(delta: delta).epsilon
    }

    private struct Pair: Hashable {
        var q: Double
        var sigma: Double
    }

    static func format(_ epsilon: Double) -> String { String(format: "%.4f", epsilon) }
}

/// Why a participant refused a round of record-level DP-SGD: it would exceed the participant's ε cap.
public struct RecordPrivacyRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, naming the participant, the round and the figures.
    public var description: String
}
