import ConcordNN

/// How a round's updates reach the coordinator: each in the clear, or only their sum through secure
/// summation; either way, whether enough arrived.
extension Coordinator {
    /// A round's collected updates: individual results, or only their sum under secure aggregation.
    struct Collected {
        var results: [FitResult] = []
        var sum: UpdateSum?
        var failures: [ParticipantFailure] = []
        var error: String?
        var metrics: [String: Double] = [:]

        var contributors: Int { sum?.participants.count ?? results.count }
    }

    /// Gathers the round's updates, in the clear or through secure summation, and checks that enough came.
    func collect(round: Int, instructions: [Int: FitInstruction]) async -> Collected {
        var collected = Collected()
        if let summation = configuration.secureSummation {
            let outcome = await summation.sum(
                round: round, instructions: instructions, participants: proxies.filter { instructions[$0.key] != nil },
                weighting: strategy.sumWeighting, deadline: configuration.roundDeadline)
            collected.sum = outcome.sum
            collected.failures = outcome.failures.sorted { $0.participant < $1.participant }
            collected.error = outcome.error.map { "secure aggregation failed: \($0); the previous model is kept" }
            collected.metrics = outcome.metrics
            if let sum = outcome.sum, let problem = Self.problem(with: sum, proxies: proxies) {
                collected.error = "secure aggregation failed: \(problem); the previous model is kept"
            }
        } else {
            (collected.results, collected.failures) = await gather(round: round, instructions: instructions)
        }
        let required = max(
            configuration.minFitResults, Int((configuration.minFitFraction * Double(instructions.count) - 1e-9).rounded(.up)))
        if collected.error == nil, collected.contributors < required {
            collected.error =
                FederationError.notEnoughResults(round: round, received: collected.contributors, required: required)
                .description
        }
        return collected
    }

    /// Sends the instructions, collects answers until all are in or the deadline passes.
    private func gather(round: Int, instructions: [Int: FitInstruction]) async -> ([FitResult], [ParticipantFailure]) {
        enum Outcome: Sendable {
            case success(Int, ClientUpdate)
            case failure(Int, String)
            case deadline
        }
        var results: [FitResult] = []
        var failures: [ParticipantFailure] = []
        var pending = Set(instructions.keys)
        let total = instructions.count
        await withTaskGroup(of: Outcome.self) { group in
            for participant in instructions.keys.sorted() {
                guard let proxy = proxies[participant], let instruction = instructions[participant] else { continue }
                group.addTask {
                    do {
                        return .success(participant, try await proxy.fit(instruction))
                    } catch {
                        return .failure(participant, "\(error)")
                    }
                }
            }
            if let deadline = configuration.roundDeadline {
                group.addTask {
                    try? await Task.sleep(for: deadline)
                    return .deadline
                }
            }
            for await outcome in group {
                switch outcome {
                case .success(let participant, let update):
                    guard pending.remove(participant) != nil else { continue }
                    let problem =
                        Self.problem(with: update, expecting: parameters.layout)
                        ?? instructions[participant].flatMap { configuration.updateCheck?(participant, $0, update) }
                    if let problem {
                        failures.append(ParticipantFailure(participant: participant, reason: problem))
                    } else {
                        results.append(FitResult(participant: participant, update: update))
                        await observer?.updateReceived(round: round, participant: participant, update: update)
                    }
                    publish(
                        .participantFinished(
                            round: round, participant: participant, succeeded: problem == nil,
                            done: total - pending.count, of: total))
                case .failure(let participant, let reason):
                    guard pending.remove(participant) != nil else { continue }
                    failures.append(ParticipantFailure(participant: participant, reason: reason))
                    publish(
                        .participantFinished(
                            round: round, participant: participant, succeeded: false,
                            done: total - pending.count, of: total))
                case .deadline:
                    for participant in pending.sorted() {
                        failures.append(
                            ParticipantFailure(participant: participant, reason: "missed the round deadline"))
                    }
                    pending.removeAll()
                }
                if pending.isEmpty {
                    group.cancelAll()
                    break
                }
            }
        }
        results.sort { $0.participant < $1.participant }
        failures.sort { $0.participant < $1.participant }
        return (results, failures)
    }

    /// The record-level ε each participant's update reports; nil when none does.
    static func recordEpsilon(_ results: [FitResult]) -> [Int: Double]? {
        var reported: [Int: Double] = [:]
        for result in results {
            if let epsilon = result.update.metrics["record_epsilon"] { reported[result.participant] = epsilon }
        }
        return reported.isEmpty ? nil : reported
    }

    /// Why a secure sum cannot be aggregated: a total weight above what its participants declared means one
    /// of them claimed more examples than it has inside its masked input, where no single weight can be seen.
    static func problem(with sum: UpdateSum, proxies: [Int: any ClientProxy]) -> String? {
        var declared = 0
        for participant in sum.participants {
            guard let bound = proxies[participant]?.declaredExamples else { return nil }
            declared += bound
        }
        guard sum.totalWeight > Double(declared) + 0.5 else { return nil }
        return "the sum's total weight, \(sum.totalWeight), exceeds the \(declared) examples its "
            + "\(sum.participants.count) participants declared: one of them claimed more than it holds"
    }

    /// Why an update cannot be aggregated (another model's layout, non-finite values, a negative example
    /// count), or nil when it can: one hostile or broken participant is recorded as failed, never fatal.
    static func problem(with update: ClientUpdate, expecting layout: ParameterLayout) -> String? {
        guard update.parameters.layout == layout else {
            return "sent parameters of another model (\(update.parameters.layout.entries.map(\.name)))"
        }
        guard update.exampleCount >= 0, update.steps >= 0 else {
            return "reported a negative example or step count"
        }
        let finite = update.parameters.values.allSatisfy(\.isFinite)
        return finite ? nil : "sent non-finite parameters"
    }
}
