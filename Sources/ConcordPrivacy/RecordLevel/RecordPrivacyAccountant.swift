import ConcordFederation
import ConcordNN

/// One participant's own account of its record-level privacy: every DP-SGD step it has released, in a
/// ``RecordPrivacyLedger``, and the ε at δ they amount to; optionally kept in a ``RecordPrivacyLedgerFile`` across
/// runs and restarts, and held under an ε cap the participant will not exceed, whatever the coordinator asks.
///
/// Each step is the sampled Gaussian mechanism with the round's per-record sampling rate q and noise multiplier σ;
/// a round of E local epochs is E·round(1/q) of them. The guarantee is about one record of this participant's
/// data, whoever else takes part.
public actor RecordPrivacyAccountant {
    /// The participant whose records are accounted.
    public nonisolated let participant: String
    /// The most ε it will spend; nil for no cap.
    public nonisolated let epsilonCap: Double?
    /// Where the ledger is kept; nil to keep it in memory.
    public nonisolated let file: RecordPrivacyLedgerFile?
    /// The releases so far; nil until the first round states its δ (or the file gives it).
    public private(set) var ledger: RecordPrivacyLedger?

    /// An accountant in memory, at δ, that has composed nothing, with an optional cap.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` when δ is not in (0, 1) or the cap is not positive.
    public init(delta: Double, participant: String = "participant", epsilonCap: Double? = nil) throws(PrivacyError) {
        if let epsilonCap, !(epsilonCap > 0 && epsilonCap.isFinite) {
            throw .invalidParameter("the record-level ε cap must be positive and finite, got \(epsilonCap)")
        }
        self.participant = participant
        self.epsilonCap = epsilonCap
        self.file = nil
        self.ledger = try RecordPrivacyLedger(participant: participant, delta: delta)
    }

    /// A participant's accountant in memory, with no cap; its δ is the first round's.
    public init(participant: String) {
        self.participant = participant
        self.epsilonCap = nil
        self.file = nil
        self.ledger = nil
    }

    /// A participant's accountant, reading its ledger from `file` when there is one (its δ is then the ledger's),
    /// and writing every round to it before training the round.
    ///
    /// - Throws: ``PrivacyError/invalidParameter(_:)`` for a cap that is not positive, or a file that cannot be
    ///   read, is damaged or is another participant's.
    public init(participant: String, epsilonCap: Double?, file: RecordPrivacyLedgerFile?) throws {
        if let epsilonCap, !(epsilonCap > 0 && epsilonCap.isFinite) {
            throw PrivacyError.invalidParameter("the record-level ε cap must be positive and finite, got \(epsilonCap)")
        }
        self.participant = participant
        self.epsilonCap = epsilonCap
        self.file = file
        self.ledger = try file?.load(participant: participant)
    }

    /// The δ at which ε is stated; nil before the first round.
    public var delta: Double? { ledger?.delta }

    /// The DP-SGD steps released so far.
    public var steps: Int { ledger?.steps ?? 0 }

    /// The cumulative ε at ``delta`` (0 before any step).
    public var epsilon: Double { (try? ledger?.epsilon()) ?? 0 }

    /// Accounts a round's `steps` DP-SGD steps before they are taken, refusing the round when it would take ε past
    /// the cap or states another δ than the ledger's; with a file, the ledger is written before this returns, so a
    /// participant killed while training has already accounted what it might have released.
    ///
    /// - Returns: the cumulative ε at δ, this round included.
    /// - Throws: ``RecordPrivacyRefusal`` past the cap or at another δ; ``PrivacyError`` for settings out of range or
    ///   a ledger that cannot be written (nothing is accounted then).
    @discardableResult
    public func admit(
        _ configuration: DPSGDConfiguration, steps: Int, delta: Double, run: String, round: Int
    ) throws -> Double {
        if steps == 0, let ledger, ledger.delta == delta { return try ledger.epsilon() }
        var next = try ledger ?? RecordPrivacyLedger(participant: participant, delta: delta)
        guard next.delta == delta else {
            throw RecordPrivacyRefusal(
                description: "\(participant): round \(round) of run '\(run)' states record-level ε at δ = \(delta), "
                    + "but this participant accounts its ε at δ = \(next.delta)")
        }
        let epsilon = try next.admit(
            .init(
                run: run, round: round, samplingRate: configuration.samplingRate,
                noiseMultiplier: configuration.noiseMultiplier, steps: steps),
            cap: epsilonCap)
        if let file {
            do {
                try file.save(next)
            } catch {
                throw PrivacyError.invalidParameter(
                    "\(participant) cannot record round \(round) in its record-level ledger '\(file.path)': \(error)")
            }
        }
        ledger = next
        return epsilon
    }
}

/// A participant that accounts its own record-level privacy: before every round trained with DP-SGD it admits the
/// round's steps in its ``RecordPrivacyAccountant`` (refusing the round past its cap), then trains, and reports the
/// cumulative ε as the `record_epsilon` metric and its steps so far as `record_steps`.
public struct RecordPrivacyAccounting: ClientProxy {
    /// The participant trained.
    public let honest: any ClientProxy
    /// Its accountant.
    public let accountant: RecordPrivacyAccountant
    /// The run its releases are recorded under.
    public let run: String

    /// Puts `honest` behind its accountant, for `run`.
    public init(_ honest: any ClientProxy, accountant: RecordPrivacyAccountant, run: String = "") {
        self.honest = honest
        self.accountant = accountant
        self.run = run
    }

    /// The participant's id.
    public var id: Int { honest.id }

    /// What the participant may claim.
    public var declaredExamples: Int? { honest.declaredExamples }

    /// Admits the round's DP-SGD steps (E·round(1/q)), then trains; a round without record-level privacy trains
    /// unaccounted.
    ///
    /// - Throws: ``RecordPrivacyRefusal`` past the cap or at another δ than the accountant's, before training.
    public func fit(_ instruction: FitInstruction) async throws -> ClientUpdate {
        guard let configuration = instruction.config.recordPrivacy else { return try await honest.fit(instruction) }
        let known = await accountant.delta
        guard let delta = instruction.config.recordPrivacyDelta ?? known else {
            throw RecordPrivacyRefusal(description: "a round of record-level DP-SGD that states no δ for its ε")
        }
        let steps = instruction.config.localEpochs * configuration.stepsPerEpoch
        let epsilon = try await accountant.admit(
            configuration, steps: steps, delta: delta, run: run, round: instruction.round)
        var update = try await honest.fit(instruction)
        update.metrics["record_epsilon"] = epsilon
        update.metrics["record_steps"] = Double(await accountant.steps)
        return update
    }

    /// Evaluation, unchanged.
    public func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        try await honest.evaluate(parameters)
    }
}
