import ConcordFederation
import ConcordNN
import Foundation

/// A participant that joined through the Flower listener: the same ``ClientProxy`` to the coordinator, its
/// tasks carried as Flower's `FitIns`/`EvaluateIns` and its answers checked as strictly as a node's.
extension RemoteParticipant {
    /// Forgets `old` if it is still the participant's Flower session.
    func detach(_ old: FlowerSession) {
        flowerSession.withLock { current in
            if current === old { current = nil }
        }
    }

    /// The Flower session to use, nil when the participant is not a Flower client now.
    ///
    /// - Throws: ``WireError/excluded(participant:reason:)`` when the participant is excluded.
    func currentFlower() throws(WireError) -> FlowerSession? {
        guard let flower = flowerSession.withLock({ $0 }) else { return nil }
        if let exclusion { throw .excluded(participant: name, reason: exclusion) }
        return flower
    }

    /// Tells a connected Flower client to reconnect after `seconds` (0: to shut down).
    func sendReconnect(after seconds: Int64) {
        guard let flower = flowerSession.withLock({ $0 }) else { return }
        var message = Flwr_Proto_ServerMessage()
        message.reconnectIns.seconds = seconds
        flower.send(message)
    }

    /// Local training on the Flower client.
    func flowerFit(_ instruction: FitInstruction, on flower: FlowerSession) async throws -> ClientUpdate {
        if let reason = FlowerConversion.unsupported(instruction) { throw WireError.refused(reason) }
        return try await checked {
            let answer = try await flower.ask(FlowerConversion.fitIns(instruction))
            guard case .fitRes(let reply) = answer.msg else {
                throw WireError.protocolViolation("a fit task answered with \(Self.describe(answer))")
            }
            return try FlowerConversion.update(
                reply, layout: instruction.parameters.layout, maxExamples: flower.maxExamples)
        }
    }

    /// Evaluation on the Flower client's own data.
    func flowerEvaluate(_ parameters: Parameters, on flower: FlowerSession) async throws -> EvaluationResult {
        try await checked {
            let answer = try await flower.ask(FlowerConversion.evaluateIns(parameters))
            guard case .evaluateRes(let reply) = answer.msg else {
                throw WireError.protocolViolation("an evaluation task answered with \(Self.describe(answer))")
            }
            return try FlowerConversion.evaluation(reply)
        }
    }

    /// The Flower client's own parameters (`get_parameters`), which must fit `layout`: to start a run from
    /// the model its users already have.
    ///
    /// - Throws: ``WireError/notConnected(participant:)`` when no Flower client is connected as this participant,
    ///   and the errors of a reply that does not fit.
    public func flowerParameters(layout: ParameterLayout) async throws -> Parameters {
        guard let flower = try currentFlower() else { throw WireError.notConnected(participant: name) }
        return try await checked {
            let answer = try await flower.ask(Flwr_Proto_ServerMessage.with { $0.getParametersIns = .init() })
            guard case .getParametersRes(let reply) = answer.msg else {
                throw WireError.protocolViolation("get_parameters answered with \(Self.describe(answer))")
            }
            if reply.status.code != .ok { throw WireError.refused("\(reply.status.code): \(reply.status.message)") }
            return try FlowerConversion.parameters(reply.parameters, layout: layout)
        }
    }

    /// Runs `body`, counting an answer that breaks the protocol or does not fit against the participant.
    private func checked<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await body()
            countValid()
            return result
        } catch let error as WireError {
            countInvalid(error)
            throw error
        }
    }

    private static func describe(_ message: Flwr_Proto_ClientMessage) -> String {
        switch message.msg {
        case .disconnectRes: "a disconnect"
        case .getPropertiesRes: "get_properties"
        case .getParametersRes: "get_parameters"
        case .fitRes: "fit"
        case .evaluateRes: "evaluate"
        case nil: "an empty message"
        }
    }
}
