import ArgumentParser
import ConcordFederation
import ConcordNN
import ConcordPrivacy
import ConcordTensor
import Foundation

/// `concord bench secagg`: one SecAgg+ round in this process, timed stage by stage.
struct BenchSecureAggregationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secagg",
        abstract: "Time secure-aggregation rounds: N in-process participants, D parameters each.",
        discussion: """
            Each participant holds a fixed random update (no training), so the figures are the protocol's own: \
            key agreement, Shamir sharing, AES-GCM sealing, quantisation, AES-CTR mask expansion, unmasking. \
            Participants run concurrently on this machine's cores, as in a simulation. For each stage: the \
            wall time until every participant answered (participants_seconds), the process CPU time they used \
            (participants_cpu_seconds; divided by N, one participant's cost), and the coordinator's time to \
            take the answers and close the stage (coordinator_seconds). The round of median length is reported; \
            its sum is checked against the plain sum of the updates, within the quantisation bound. \
            (--secure-aggregation is implied.)
            """
    )

    @Option(help: "Participants in the round.")
    var clients = 10

    @Option(help: "Parameters per update.")
    var params = 100_000

    @Option(help: "Rounds to time (the median is reported).")
    var repeats = 3

    @Option(
        help: """
            Examples each participant reports: its FedAvg weight, and the default --secagg-max-weight (600, an IID \
            MNIST participant's share with 100 participants).
            """)
    var examples = 600

    @OptionGroup(title: "Secure aggregation") var options: SecureAggregationOptions

    @Flag(help: "Print one JSON object with round_seconds and a stages breakdown.")
    var json = false

    func validate() throws {
        guard clients >= 3 else { throw ValidationError("--clients must be at least 3") }
        guard params >= 1 else { throw ValidationError("--params must be at least 1") }
        guard (1...50).contains(repeats) else { throw ValidationError("--repeats must be 1…50") }
        guard examples >= 1 else { throw ValidationError("--examples must be at least 1") }
    }

    func run() async throws {
        let layout = ParameterLayout([.init(name: "w", shape: [params])])
        let global = Parameters.zeros(layout)
        var generator = SeededGenerator(seed: 1)
        let scale = Float(options.clipRange)
        var instructions: [Int: FitInstruction] = [:]
        var participants: [Int: any ClientProxy] = [:]
        var updates: [Int: [Float]] = [:]
        let dropouts = try options.schedule(seed: 1)
        for id in 0..<clients {
            let values = (0..<params).map { _ in Float.random(in: -scale...scale, using: &generator) }
            updates[id] = values
            let update = ClientUpdate(
                parameters: try Parameters(layout: layout, values: values), exampleCount: examples)
            instructions[id] = FitInstruction(
                round: 1, parameters: global,
                config: FitConfig(localEpochs: 1, batchSize: 1, learningRate: 1, seed: UInt64(id)))
            participants[id] = SecureAggregatingClient(FixedUpdate(id: id, update: update), dropouts: dropouts)
        }
        var settings = options.settings
        settings.maxWeight = options.maxWeight ?? examples
        let summation = SecureAggregation(settings: settings)
        var runs: [(seconds: Double, outcome: SummationOutcome)] = []
        for round in 1...repeats {
            let started = ContinuousClock.now
            let outcome = await summation.sum(
                round: round, instructions: instructions, participants: participants, weighting: .exampleCount,
                deadline: nil)
            runs.append(((ContinuousClock.now - started).seconds, outcome))
        }
        let median = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
        let stages: [(String, [String: Double])] = SecureAggregationStage.allCases.map { stage in
            let key = stage.metricPrefix
            return (
                stage.rawValue,
                [
                    "participants_seconds": median.outcome.metrics[key + "_participants_seconds"] ?? 0,
                    "participants_cpu_seconds": median.outcome.metrics[key + "_participants_cpu_seconds"] ?? 0,
                    "coordinator_seconds": median.outcome.metrics[key + "_coordinator_seconds"] ?? 0,
                ]
            )
        }
        let report = SecureAggregationBenchReport(
            clients: clients, params: params, roundSeconds: median.seconds, roundsSeconds: runs.map(\.seconds),
            neighbours: Int(median.outcome.metrics["secagg_neighbours"] ?? 0),
            threshold: Int(median.outcome.metrics["secagg_threshold"] ?? 0),
            modulusBits: Int(median.outcome.metrics["secagg_modulus_bits"] ?? 0),
            contributors: median.outcome.sum?.participants.count ?? 0,
            error: try median.outcome.error
                ?? median.outcome.sum.flatMap { try check($0, updates, settings: settings) },
            stages: Dictionary(uniqueKeysWithValues: stages))
        if json {
            print(try report.jsonString())
            return
        }
        print(
            "secure aggregation: \(clients) participants × \(params) parameters, k=\(report.neighbours), "
                + "t=\(report.threshold), modulus 2^\(report.modulusBits), \(report.contributors) in the sum")
        if let error = report.error { print("round failed: \(error)") }
        for (name, figures) in stages {
            print(
                String(
                    format: "%@ participants %.3f s (CPU %.3f s, %.4f s each), coordinator %.3f s",
                    name.padding(toLength: 15, withPad: " ", startingAt: 0),
                    figures["participants_seconds"]!, figures["participants_cpu_seconds"]!,
                    figures["participants_cpu_seconds"]! / Double(clients), figures["coordinator_seconds"]!))
        }
        print(
            String(
                format: "round: %.3f s (median of %d: %@)", median.seconds, repeats,
                runs.map { String(format: "%.3f", $0.seconds) }.joined(separator: ", ")))
    }
}

extension BenchSecureAggregationCommand {
    /// Why the sum is wrong, or nil when every coordinate is within the quantisation bound of the plain
    /// weighted sum of the contributors' updates (step·Σ a_k).
    func check(_ sum: UpdateSum, _ updates: [Int: [Float]], settings: SecureAggregationSettings) throws -> String? {
        let step = try settings.plan(participants: clients, dimension: params, weighting: .exampleCount).step
        let weight = Double(min(examples, settings.maxWeight))
        guard sum.totalWeight == weight * Double(sum.participants.count) else {
            return "the total weight \(sum.totalWeight) is not \(weight) × \(sum.participants.count)"
        }
        var plain = [Double](repeating: 0, count: params)
        for participant in sum.participants {
            for (i, value) in updates[participant]!.enumerated() { plain[i] += weight * Double(value) }
        }
        let bound = step * sum.totalWeight * (1 + 1e-9)
        guard let i = plain.indices.first(where: { abs(sum.weightedDelta[$0] - plain[$0]) > bound }) else { return nil }
        return "coordinate \(i) of the sum is \(sum.weightedDelta[i]), the plain sum \(plain[i])"
    }
}

/// A participant that answers every round with the same update (the benchmark's, so no training is timed).
private struct FixedUpdate: ClientProxy {
    let id: Int
    let update: ClientUpdate

    func fit(_ instruction: FitInstruction) async throws -> ClientUpdate { update }

    func evaluate(_ parameters: Parameters) async throws -> EvaluationResult {
        EvaluationResult(loss: 0, accuracy: 0, exampleCount: 0)
    }
}

/// What `concord bench secagg --json` prints.
struct SecureAggregationBenchReport: JSONReport {
    var clients: Int
    var params: Int
    var roundSeconds: Double
    var roundsSeconds: [Double]
    var neighbours: Int
    var threshold: Int
    var modulusBits: Int
    var contributors: Int
    var error: String?
    var stages: [String: [String: Double]]

    enum CodingKeys: String, CodingKey {
        case clients, params, neighbours, threshold, contributors, error, stages
        case roundSeconds = "round_seconds", roundsSeconds = "rounds_seconds", modulusBits = "modulus_bits"
    }
}
