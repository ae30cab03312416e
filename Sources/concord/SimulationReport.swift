import ConcordFederation
import ConcordPlan
import ConcordPrivacy
import Foundation

/// The JSON report `concord simulate --report FILE` writes.
struct SimulationReport: JSONReport {
    struct Round: Encodable {
        var round: Int
        var testAccuracy: Double?
        var testLoss: Double?
        var seconds: Double
        var participants: Int
        var failures: Int
        var trainLoss: Double?
        var epsilon: Double?
        var clipNorm: Double?
        var error: String?
        /// A binary model's test AUC, precision and recall (absent for other models).
        var testAUC: Double?
        var testPrecision: Double?
        var testRecall: Double?

        enum CodingKeys: String, CodingKey {
            case round, testAccuracy = "test_accuracy", testLoss = "test_loss", seconds, participants, failures
            case trainLoss = "train_loss", epsilon, clipNorm = "clip_norm", error
            case testAUC = "test_auc", testPrecision = "test_precision", testRecall = "test_recall"
        }
    }

    struct Privacy: Encodable {
        var delta: Double
        var epsilonSpent: Double
        var epsilonBudget: Nullable<Double>
        var noiseMultiplier: Double
        var samplingRate: Double
        var stoppedByBudget: Nullable<String>
        var participants: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case delta, epsilonSpent = "epsilon_spent", epsilonBudget = "epsilon_budget"
            case noiseMultiplier = "noise_multiplier", samplingRate = "accounting_sampling_rate"
            case stoppedByBudget = "stopped_by_budget", participants = "participants_epsilon"
        }
    }

    var command = "simulate"
    var strategy: String
    var attack: Nullable<String>
    var attackers: [Int]
    var stragglers: Double
    var sampling: String
    var privacy: Nullable<Privacy>
    var dataset: String
    var model: String
    var clients: Int
    var fraction: Double
    var localEpochs: Int
    var batchSize: Int
    var lr: Float
    var partition: String
    var seed: UInt64
    var targetAccuracy: Nullable<Double>
    var evalEvery: Int
    var concurrency: Int
    var rounds: [Round]
    var roundsToTarget: Nullable<Int>
    var finalTestAccuracy: Nullable<Double>
    var fitSeconds: Double
    var evaluateSeconds: Double
    var overheadSeconds: Double
    var wallSeconds: Double
    /// The process's peak resident memory at the end of the run (VmHWM), in bytes; null where unknown.
    var peakResidentBytes: Nullable<Int>
    /// Record-level DP-SGD and each participant's ε; null at user level or without DP.
    var recordPrivacy = Nullable<RecordPrivacy>(nil)

    enum CodingKeys: String, CodingKey {
        case command, strategy, attack, attackers, stragglers, sampling, privacy, dataset, model, clients, fraction,
            localEpochs = "local_epochs", batchSize = "batch_size", lr
        case partition, seed, targetAccuracy = "target_accuracy", evalEvery = "eval_every", concurrency, rounds
        case roundsToTarget = "rounds_to_target", finalTestAccuracy = "final_test_accuracy"
        case fitSeconds = "fit_seconds", evaluateSeconds = "evaluate_seconds", overheadSeconds = "overhead_seconds"
        case wallSeconds = "wall_seconds", peakResidentBytes = "peak_rss_bytes", recordPrivacy = "record_privacy"
    }

    init(
        settings: SimulationSettings, command: SimulateCommand, federation: FederationInput, records: [RoundRecord],
        strategy: String, attackers: Set<Int>, stoppedByBudget: String?, privacy: (any PrivacyAccounted)?,
        participantEpsilon: [String: Double]?, wallSeconds: Double, peakResidentBytes: Int?
    ) {
        sampling = settings.sampling.rawValue
        self.privacy = Nullable(
            privacy.map {
                Privacy(
                    delta: $0.ledger.delta, epsilonSpent: $0.ledger.epsilonSpent,
                    epsilonBudget: Nullable($0.ledger.epsilonBudget), noiseMultiplier: $0.noiseMultiplier,
                    samplingRate: $0.accountingSamplingRate,
                    stoppedByBudget: Nullable(stoppedByBudget),
                    participants: participantEpsilon)
            })
        self.strategy = strategy
        attack = Nullable(settings.attack?.description)
        self.attackers = attackers.sorted()
        stragglers = command.stragglers
        dataset = federation.name
        model = settings.model
        clients = federation.participants.participantCount
        fraction = settings.fraction
        localEpochs = settings.localEpochs
        batchSize = settings.batchSize
        lr = settings.learningRate
        partition = federation.partitionName
        seed = settings.seed
        targetAccuracy = Nullable(command.targetAccuracy)
        evalEvery = settings.evalEvery
        concurrency = settings.concurrency
        rounds = records.map {
            Round(
                round: $0.round, testAccuracy: $0.evaluation?.accuracy, testLoss: $0.evaluation?.loss,
                seconds: $0.seconds, participants: $0.succeeded, failures: $0.failures.count,
                trainLoss: $0.metrics["loss"], epsilon: $0.metrics["epsilon"], clipNorm: $0.metrics["clip_norm"],
                error: $0.error, testAUC: $0.evaluation?.binary?.auc,
                testPrecision: $0.evaluation?.binary?.precision, testRecall: $0.evaluation?.binary?.recall)
        }
        roundsToTarget = Nullable(
            command.targetAccuracy.flatMap { target in
                records.first { ($0.evaluation?.accuracy ?? 0) >= target }?.round
            })
        finalTestAccuracy = Nullable(records.last { $0.evaluation != nil }?.evaluation?.accuracy)
        fitSeconds = records.reduce(0) { $0 + $1.fitSeconds }
        evaluateSeconds = records.reduce(0) { $0 + $1.evaluateSeconds }
        // Everything in the rounds that is neither participants' training nor central evaluation:
        // sampling, instructions, aggregation, events.
        overheadSeconds = records.reduce(0) { $0 + max(0, $1.seconds - $1.fitSeconds - $1.evaluateSeconds) }
        self.wallSeconds = wallSeconds
        self.peakResidentBytes = Nullable(peakResidentBytes)
    }

    /// The final summary printed after the run.
    var summaryLine: String {
        var line = "done: \(rounds.count) rounds in \(String(format: "%.1f", wallSeconds))s"
        if let bytes = peakResidentBytes.value {
            line += String(format: ", peak memory %.0f MiB", Double(bytes) / 1_048_576)
        }
        if let finalTestAccuracy = finalTestAccuracy.value {
            line += String(format: ", final test accuracy %.2f%%", finalTestAccuracy * 100)
        }
        if let targetAccuracy = targetAccuracy.value {
            line +=
                roundsToTarget.value.map { ", reached \(targetAccuracy * 100)% in round \($0)" }
                ?? ", did not reach \(targetAccuracy * 100)%"
        }
        return line
    }
}

/// An optional that encodes as JSON `null` rather than being left out, for report fields readers expect.
struct Nullable<Value: Encodable>: Encodable {
    var value: Value?

    init(_ value: Value?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
