import ConcordFederation
import Foundation

/// Secure aggregation for the ``Coordinator``: SecAgg+ (Bell et al. 2020, building on Bonawitz et al.
/// 2017) run over the round's participants, so the coordinator learns the sum of their updates and
/// nothing about any one of them.
///
/// Participants must speak the protocol (``SecureAggregationPeer``; in a simulation, wrap each in a
/// ``SecureAggregatingClient``). A participant may vanish at any stage: the round completes with the sum
/// of exactly the participants whose masked inputs were used while every needed secret keeps t
/// surviving holders, and otherwise fails with nothing revealed, the previous model kept.
public struct SecureAggregation: SecureSummation {
    /// The run's settings.
    public var settings: SecureAggregationSettings
    /// Threads the coordinator's unmasking uses.
    public var threads: Int

    /// Creates the summation.
    public init(settings: SecureAggregationSettings = SecureAggregationSettings(), threads: Int? = nil) {
        self.settings = settings
        self.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// Runs the four stages with the instructed participants; the deadline bounds each stage.
    public func sum(
        round: Int, instructions: [Int: FitInstruction], participants: [Int: any ClientProxy],
        weighting: SumWeighting, deadline: Duration?
    ) async -> SummationOutcome {
        var run = Run(round: round, deadline: deadline)
        do {
            let sum = try await run.execute(
                settings: settings, instructions: instructions, participants: participants, weighting: weighting,
                threads: threads)
            return SummationOutcome(sum: sum, failures: run.failureList, metrics: run.metrics)
        } catch {
            return SummationOutcome(sum: nil, failures: run.failureList, error: "\(error)", metrics: run.metrics)
        }
    }

    /// One round's exchange: the coordinator's state machine, the failures and the timings.
    private struct Run {
        let round: Int
        let deadline: Duration?
        var failures: [Int: String] = [:]
        var metrics: [String: Double] = [:]

        init(round: Int, deadline: Duration?) {
            self.round = round
            self.deadline = deadline
        }

        var failureList: [ParticipantFailure] {
            failures.keys.sorted().map { ParticipantFailure(participant: $0, reason: failures[$0]!) }
        }

        mutating func execute(
            settings: SecureAggregationSettings, instructions: [Int: FitInstruction],
            participants: [Int: any ClientProxy], weighting: SumWeighting, threads: Int
        ) async throws -> UpdateSum {
            let round = self.round
            let ids = instructions.keys.sorted()
            guard let first = ids.first.flatMap({ instructions[$0] }) else {
                throw SecureAggregationError.roundFailed("no participants were instructed")
            }
            let clipNorm = instructions.values.compactMap(\.config.privacy?.clipNorm).first
            let plan = try settings.plan(
                participants: ids.count, dimension: first.parameters.count, weighting: weighting,
                privacyClipNorm: clipNorm)
            metrics["secagg_neighbours"] = Double(plan.neighbours)
            metrics["secagg_threshold"] = Double(plan.threshold)
            metrics["secagg_modulus_bits"] = Double(plan.modulusBits)
            var random = SystemRandomNumberGenerator()
            var coordinator = try SecureAggregationCoordinator(
                round: round, participants: ids, plan: plan, using: &random)

            var peers: [Int: any SecureAggregationPeer] = [:]
            for id in ids {
                if let peer = participants[id] as? any SecureAggregationPeer {
                    peers[id] = peer
                } else {
                    failures[id] = "does not speak secure aggregation"
                }
            }

            var requests: [Int: SecureAggregationRequest] = [:]
            for id in peers.keys {
                requests[id] = .advertiseKeys(
                    coordinator.setup(for: id, instruction: instructions[id]!, weighting: weighting))
            }
            try await stage(.advertiseKeys, requests, peers) { (id, response) throws(SecureAggregationError) in
                guard case .keys(let keys) = response else { throw Self.wrongAnswer }
                try coordinator.receiveKeys(keys, from: id)
            } close: { () throws(SecureAggregationError) in
                let next = try coordinator.closeAdvertising()
                requests = next.mapValues { .shareKeys(round: round, keys: $0) }
            }
            leftOut(peers.keys, kept: coordinator.advertised, stage: .advertiseKeys)

            try await stage(.shareKeys, requests, peers) { (id, response) throws(SecureAggregationError) in
                guard case .shares(let shares) = response else { throw Self.wrongAnswer }
                try coordinator.receiveShares(shares, from: id)
            } close: { () throws(SecureAggregationError) in
                let next = try coordinator.closeSharing()
                requests = next.mapValues { .maskedInput(round: round, shares: $0) }
            }
            leftOut(coordinator.advertised, kept: coordinator.sharers, stage: .shareKeys)

            try await stage(.maskedInput, requests, peers) { (id, response) throws(SecureAggregationError) in
                guard case .maskedInput(let input) = response else { throw Self.wrongAnswer }
                try coordinator.receiveInput(input, from: id)
            } close: { () throws(SecureAggregationError) in
                requests = try coordinator.closeInputs().mapValues { .unmask($0) }
            }

            var result: (sum: ModularVector, contributors: [Int])?
            try await stage(.unmask, requests, peers) { (id, response) throws(SecureAggregationError) in
                guard case .unmasking(let shares) = response else { throw Self.wrongAnswer }
                try coordinator.receiveUnmasking(shares, from: id)
            } close: { () throws(SecureAggregationError) in
                result = try coordinator.finish(threads: threads)
            }
            let (words, contributors) = result!
            let decoded = try StochasticQuantisation.decode(words, plan: plan)
            return UpdateSum(
                weightedDelta: decoded.weightedDelta, totalWeight: decoded.totalWeight, participants: contributors,
                counts: decoded.counts)
        }

        static let wrongAnswer = SecureAggregationError.protocolViolation("answered with another stage's message")

        /// Records participants that were in `before` but not kept, when no other failure names them.
        private mutating func leftOut(_ before: some Collection<Int>, kept: Set<Int>, stage: SecureAggregationStage) {
            for id in before where !kept.contains(id) && failures[id] == nil {
                failures[id] = "left out at \(stage.rawValue): fewer than t of its neighbours went on"
            }
        }

        /// Sends one stage's requests concurrently, feeds answers to `receive` in participant order, then
        /// closes the stage; records dropouts and timings.
        private mutating func stage(
            _ stage: SecureAggregationStage, _ requests: [Int: SecureAggregationRequest],
            _ peers: [Int: any SecureAggregationPeer],
            receive: (Int, SecureAggregationResponse) throws(SecureAggregationError) -> Void,
            close: () throws(SecureAggregationError) -> Void
        ) async throws(SecureAggregationError) {
            let started = ContinuousClock.now
            let cpuStarted = ProcessCPUTime.seconds()
            let answers = await exchange(requests, peers)
            let answered = ContinuousClock.now
            let cpuAnswered = ProcessCPUTime.seconds()
            for id in requests.keys.sorted() {
                switch answers[id] {
                case .some(.success(let response)):
                    do {
                        try receive(id, response)
                    } catch {
                        failures[id] = "at \(stage.rawValue): \(error)"
                    }
                case .some(.failure(let error)):
                    failures[id] = "at \(stage.rawValue): \(error)"
                case .none:
                    failures[id] = "missed the \(stage.rawValue) deadline"
                }
            }
            defer {
                let key = stage.metricPrefix
                metrics[key + "_participants_seconds"] = (answered - started).seconds
                metrics[key + "_participants_cpu_seconds"] = cpuAnswered - cpuStarted
                metrics[key + "_coordinator_seconds"] = (ContinuousClock.now - answered).seconds
            }
            try close()
        }

        /// Every request's answer, or nothing for those still out when the deadline passed.
        private func exchange(
            _ requests: [Int: SecureAggregationRequest], _ peers: [Int: any SecureAggregationPeer]
        ) async -> [Int: Result<SecureAggregationResponse, any Error>] {
            var answers: [Int: Result<SecureAggregationResponse, any Error>] = [:]
            let deadline = self.deadline
            await withTaskGroup(of: (Int, Result<SecureAggregationResponse, any Error>)?.self) { group in
                for (id, request) in requests {
                    guard let peer = peers[id] else { continue }
                    group.addTask {
                        do {
                            return (id, .success(try await peer.secureAggregation(request)))
                        } catch {
                            return (id, .failure(error))
                        }
                    }
                }
                if let deadline {
                    group.addTask {
                        try? await Task.sleep(for: deadline)
                        return nil
                    }
                }
                for await answer in group {
                    guard let (id, result) = answer else { break }
                    answers[id] = result
                    if answers.count == requests.count { break }
                }
                group.cancelAll()
            }
            return answers
        }
    }
}

/// The process's CPU time (user + system, all threads), to tell the participants' work apart from
/// waiting when they share the machine in a simulation.
enum ProcessCPUTime {
    static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
