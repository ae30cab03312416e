import ConcordFederation
import Foundation

/// The rules a federation agreed to: who takes part, what may be trained, the privacy floor every run must meet,
/// and how many participants must co-sign a model release.
///
/// A charter is written in YAML (``init(yaml:)``, schema `concord.charter/v1`) and signed by every participant:
/// each signature is a detached Ed25519 signature over ``canonicalBytes``, the canonical JSON of the content
/// (everything but the `signatures:` section, which is never signed). The charter is in force
/// (``isInForce``) only when every listed participant's signature verifies.
public struct Charter: Sendable, Equatable {
    /// The schema string this version reads and writes.
    public static let schema = "concord.charter/v1"

    /// The coordinator: who configures rounds, aggregates, and signs the audit log.
    public struct Coordinator: Sendable, Equatable {
        /// A name for people.
        public var name: String
        /// The key that signs every audit entry and every release.
        public var publicKey: PublicKey

        /// Creates a coordinator.
        public init(name: String, publicKey: PublicKey) {
            self.name = name
            self.publicKey = publicKey
        }
    }

    /// One institution that takes part.
    public struct Participant: Sendable, Equatable {
        /// Its unique name (it signs under it).
        public var name: String
        /// Its unique numeric id in the federation (the simulation's client index).
        public var id: Int
        /// Its signing key.
        public var publicKey: PublicKey
        /// The most ε it will spend, whatever the coordinator asks (its ``ParticipantLedger`` enforces it).
        public var epsilonCap: Double

        /// Creates a participant.
        public init(name: String, id: Int, publicKey: PublicKey, epsilonCap: Double) {
            self.name = name
            self.id = id
            self.publicKey = publicKey
            self.epsilonCap = epsilonCap
        }
    }

    /// One kind of training the federation permits.
    public struct Task: Sendable, Equatable {
        /// The model's zoo name (`logreg`, `mlp`, `cnn`).
        public var model: String
        /// The SHA-256 of the model's parameter layout (``ConcordNN/ParameterLayout/sha256``).
        public var layoutHash: String
        /// The permitted strategies, as ``StrategySpecification`` texts (`fedavg`, `trimmed-mean:0.2+fedavgm`).
        public var strategies: [String]
        /// The most rounds one run may have.
        public var maxRounds: Int

        /// Creates a task.
        public init(model: String, layoutHash: String, strategies: [String], maxRounds: Int) {
            self.model = model
            self.layoutHash = layoutHash
            self.strategies = strategies
            self.maxRounds = maxRounds
        }
    }

    /// Whom the privacy guarantee protects, and so what the floor and the caps are stated in.
    public enum PrivacyLevel: String, Sendable, Equatable, CaseIterable {
        /// A participant's whole contribution (DP-FedAvg): the noise multiplier is z of the clipped updates' sum,
        /// and each participant's ε cap is accounted over the rounds it could be sampled in.
        case user
        /// One record of a participant's data (DP-SGD at each node): the noise multiplier is σ of each DP-SGD step,
        /// the run's ε budget is each node's ε after every round, and each participant's cap is kept by its own
        /// record-level ledger over all its steps.
        case record
    }

    /// The least privacy every run must have.
    public struct PrivacyFloor: Sendable, Equatable {
        /// Whom the guarantee protects; `user` unless the charter says `level: record`.
        public var level: PrivacyLevel
        /// Whether updates must be securely aggregated (the coordinator sees only their sum).
        public var secureAggregationRequired: Bool
        /// The smallest noise multiplier z of the Gaussian mechanism (0 permits runs without noise).
        public var minNoiseMultiplier: Double
        /// The largest δ a run may state its ε at.
        public var maxDelta: Double
        /// The largest ε budget a run may have.
        public var maxEpsilon: Double

        /// Creates a privacy floor.
        public init(
            level: PrivacyLevel = .user, secureAggregationRequired: Bool, minNoiseMultiplier: Double, maxDelta: Double,
            maxEpsilon: Double
        ) {
            self.level = level
            self.secureAggregationRequired = secureAggregationRequired
            self.minNoiseMultiplier = minNoiseMultiplier
            self.maxDelta = maxDelta
            self.maxEpsilon = maxEpsilon
        }
    }

    /// The federation's name.
    public var federation: String
    /// The coordinator.
    public var coordinator: Coordinator
    /// The participants, in the charter's order.
    public var participants: [Participant]
    /// The permitted tasks.
    public var tasks: [Task]
    /// The privacy floor.
    public var privacy: PrivacyFloor
    /// How many participants (k of the n listed) must co-sign a release.
    public var releaseQuorum: Int
    /// The participants' signatures by participant name; not part of the signed content.
    public var signatures: [String: Signature] = [:]

    /// Creates a charter, checking every rule the YAML reader checks.
    ///
    /// - Throws: ``CharterError`` naming the first field that breaks a rule.
    public init(
        federation: String, coordinator: Coordinator, participants: [Participant], tasks: [Task],
        privacy: PrivacyFloor, releaseQuorum: Int
    ) throws(CharterError) {
        self.federation = federation
        self.coordinator = coordinator
        self.participants = participants
        self.tasks = tasks
        self.privacy = privacy
        self.releaseQuorum = releaseQuorum
        try validate()
    }

    /// The participant called `name`.
    public func participant(named name: String) -> Participant? { participants.first { $0.name == name } }

    /// The participant with federation id `id`.
    public func participant(id: Int) -> Participant? { participants.first { $0.id == id } }

    /// The keys an audit log or a release of this federation is verified with.
    public var trustedKeys: TrustedKeys {
        TrustedKeys(
            coordinator: coordinator.publicKey,
            participants: Dictionary(participants.map { ($0.name, $0.publicKey) }) { first, _ in first })
    }

    /// Checks the rules of a well-formed charter; `lines` maps field names to YAML lines for the message.
    func validate(lines: [String: Int] = [:]) throws(CharterError) {
        func fail(_ field: String, _ reason: String) -> CharterError {
            CharterError(field: field, line: lines[field], reason: reason)
        }
        guard !federation.isEmpty else { throw fail("federation", "must not be empty") }
        guard !coordinator.name.isEmpty else { throw fail("coordinator.name", "must not be empty") }
        guard !participants.isEmpty else { throw fail("participants", "a charter needs at least one participant") }
        var names: [String: Int] = [:], ids: [Int: Int] = [:], keys: [PublicKey: Int] = [:]
        for (i, participant) in participants.enumerated() {
            let field = "participants[\(i)]"
            guard !participant.name.isEmpty else { throw fail(field + ".name", "must not be empty") }
            guard participant.name != coordinator.name else {
                throw fail(
                    field + ".name", "'\(participant.name)' is the coordinator's name; signers need distinct names")
            }
            if let other = names[participant.name] {
                throw fail(field + ".name", "duplicate name '\(participant.name)' (also participants[\(other)])")
            }
            guard participant.id >= 0 else { throw fail(field + ".id", "must be ≥ 0, got \(participant.id)") }
            if let other = ids[participant.id] {
                throw fail(field + ".id", "duplicate participant id \(participant.id) (also participants[\(other)])")
            }
            if let other = keys[participant.publicKey] {
                throw fail(field + ".public_key", "the same key as participants[\(other)]; each signs for itself")
            }
            guard participant.publicKey != coordinator.publicKey else {
                throw fail(field + ".public_key", "the coordinator's key; a participant signs with its own")
            }
            guard participant.epsilonCap > 0, participant.epsilonCap.isFinite else {
                throw fail(field + ".epsilon_cap", "must be a positive finite number, got \(participant.epsilonCap)")
            }
            names[participant.name] = i
            ids[participant.id] = i
            keys[participant.publicKey] = i
        }
        guard !tasks.isEmpty else { throw fail("tasks", "a charter needs at least one permitted task") }
        for (i, task) in tasks.enumerated() {
            let field = "tasks[\(i)]"
            guard !task.model.isEmpty else { throw fail(field + ".model", "must not be empty") }
            guard SHA256Hex.isWellFormed(task.layoutHash) else {
                throw fail(field + ".layout_hash", "must be 64 lowercase hex digits (a SHA-256)")
            }
            guard !task.strategies.isEmpty else { throw fail(field + ".strategies", "name at least one strategy") }
            for (j, text) in task.strategies.enumerated() {
                do {
                    _ = try StrategySpecification(parsing: text)
                } catch {
                    throw fail(field + ".strategies[\(j)]", "\(error)")
                }
            }
            guard task.maxRounds >= 1 else { throw fail(field + ".max_rounds", "must be at least 1") }
        }
        guard privacy.minNoiseMultiplier >= 0, privacy.minNoiseMultiplier.isFinite else {
            throw fail("privacy.min_noise_multiplier", "must be a finite number ≥ 0")
        }
        guard privacy.maxDelta > 0, privacy.maxDelta < 1 else { throw fail("privacy.max_delta", "must be in (0, 1)") }
        guard privacy.maxEpsilon > 0, privacy.maxEpsilon.isFinite else {
            throw fail("privacy.max_epsilon", "must be a positive finite number")
        }
        guard (1...participants.count).contains(releaseQuorum) else {
            throw fail("release.quorum", "must be between 1 and the \(participants.count) participants")
        }
    }
}
