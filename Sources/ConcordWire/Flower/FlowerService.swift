import ConcordFederation
import Foundation
import GRPCCore

/// What the coordinator's Flower listener admits.
public struct FlowerSettings: Sendable {
    /// Checks the clients' answers to the admission challenge.
    public var tokens: FlowerTokens
    /// Why this run takes no Flower clients at all (it needs Concord's own node: secure aggregation, a
    /// charter checked on the node), or nil when it takes them.
    public var refusal: String?
    /// How long a new client has to answer the challenge.
    public var admissionTimeout: Duration
    /// The most examples a Flower client may claim to have trained on (its largest weight); nil for no bound.
    public var maxExamplesPerParticipant: Int?

    /// Creates settings.
    public init(
        tokens: FlowerTokens, refusal: String? = nil, admissionTimeout: Duration = .seconds(30),
        maxExamplesPerParticipant: Int? = nil
    ) {
        self.tokens = tokens
        self.refusal = refusal
        self.admissionTimeout = admissionTimeout
        self.maxExamplesPerParticipant = maxExamplesPerParticipant
    }
}

/// Flower's legacy `flwr.proto.FlowerService`: admits an unmodified Flower client (`start_client` with
/// `transport="grpc-bidi"`) by the challenge of ``FlowerTokens`` and gives its stream to the participant
/// it proved to be, which the ``Coordinator`` then drives like any other.
struct FlowerService: Flwr_Proto_FlowerService.SimpleServiceProtocol {
    let registry: ParticipantRegistry
    let settings: FlowerSettings
    let onEvent: @Sendable (SessionEvent) -> Void

    func join(
        request: RPCAsyncSequence<Flwr_Proto_ClientMessage, any Error>,
        response: RPCWriter<Flwr_Proto_ServerMessage>, context: ServerContext
    ) async throws {
        let (outgoing, continuation) = AsyncStream.makeStream(of: Flwr_Proto_ServerMessage.self)
        let peer = context.remotePeer
        let admitted = FlowerAdmission()
        let ending: String = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    for await message in outgoing { try await response.write(message) }
                    return nil
                } catch {
                    return "cannot write to the Flower client: \(error)"
                }
            }
            group.addTask {
                await self.read(request, continuation: continuation, peer: peer, admitted: admitted)
            }
            group.addTask {
                try? await Task.sleep(for: settings.admissionTimeout)
                guard await admitted.session == nil else { return nil }
                return "no answer to the admission challenge within \(settings.admissionTimeout)"
            }
            var ending = "the stream ended"
            while let next = await group.next() {
                // nil: everything was written (a refusal's reconnect, or the session's end), or the
                // admission watch found the client admitted.
                guard let next else { continue }
                ending = next
                break
            }
            group.cancelAll()
            return ending
        }
        continuation.finish()
        if let session = await admitted.session {
            await session.close(reason: ending)
            registry.participant(named: session.name)?.detach(session)
            onEvent(.disconnected(participant: session.name, reason: ending))
        } else if await !admitted.refused {
            onEvent(.refused(participant: nil, peer: peer, reason: ending))
        }
    }

    /// Challenges the client, then hands each of its answers to its session.
    private func read(
        _ request: RPCAsyncSequence<Flwr_Proto_ClientMessage, any Error>,
        continuation: AsyncStream<Flwr_Proto_ServerMessage>.Continuation, peer: String, admitted: FlowerAdmission
    ) async -> String {
        if let refusal = settings.refusal {
            return await refuse(refusal, name: nil, peer: peer, continuation: continuation, admitted: admitted)
        }
        let challenge = FlowerTokens.challenge()
        var ask = Flwr_Proto_ServerMessage()
        ask.getPropertiesIns.config = [FlowerTokens.challengeKey: .string(challenge)]
        continuation.yield(ask)
        var current: FlowerSession?
        do {
            for try await message in request {
                if case .disconnectRes(let goodbye) = message.msg {
                    return "the Flower client left (\(goodbye.reason))"
                }
                if let current {
                    try await current.receive(message)
                    continue
                }
                switch admit(message, challenge: challenge) {
                case .failure(let refusal):
                    return await refuse(
                        refusal.reason, name: refusal.name, peer: peer, continuation: continuation, admitted: admitted)
                case .success(let participant):
                    let session = FlowerSession(
                        name: participant.name, participant: participant.id, peer: peer,
                        maxExamples: settings.maxExamplesPerParticipant, outgoing: continuation,
                        onLateReply: { [onEvent] in onEvent(.lateReply(participant: participant.name, task: 0)) })
                    if let open = participant.attach(flower: session) {
                        let reason =
                            "'\(participant.name)' already has a session open, from \(open); a second connection "
                            + "with its name is refused while that one lasts"
                        return await refuse(
                            reason, name: participant.name, peer: peer, continuation: continuation, admitted: admitted,
                            reconnectAfter: 5)
                    }
                    current = session
                    await admitted.set(session)
                    onEvent(.connected(participant: participant.name, peer: "\(peer) (a Flower client)"))
                }
            }
            return "the Flower client closed the stream"
        } catch let error as WireError {
            return "\(error)"
        } catch is CancellationError {
            return "the coordinator is stopping"
        } catch {
            return "the connection failed: \(error)"
        }
    }

    private struct Refusal: Error {
        var reason: String
        var name: String?
    }

    /// Checks the answer to the challenge: the name must be listed and not excluded, the answer made with its token.
    private func admit(_ message: Flwr_Proto_ClientMessage, challenge: String) -> Result<RemoteParticipant, Refusal> {
        guard case .getPropertiesRes(let answer) = message.msg else {
            return .failure(
                Refusal(reason: "the Flower client did not answer the admission challenge (get_properties)"))
        }
        guard let name = FlowerConversion.string(answer.properties, FlowerTokens.participantKey),
            let response = FlowerConversion.string(answer.properties, FlowerTokens.answerKey)
        else {
            return .failure(
                Refusal(
                    reason: "the Flower client's get_properties answered without '\(FlowerTokens.participantKey)' and "
                        + "'\(FlowerTokens.answerKey)' (see Docs/flower.md for the lines its NumPyClient needs)"))
        }
        guard let participant = registry.participant(named: name) else {
            return .failure(
                Refusal(reason: "'\(name)' is not a participant of this federation's configuration", name: name))
        }
        guard settings.tokens.accepts(response, from: name, to: challenge) else {
            return .failure(
                Refusal(reason: "the answer to the admission challenge was not made with '\(name)''s token", name: name)
            )
        }
        if let exclusion = participant.exclusion {
            return .failure(Refusal(reason: "'\(name)' is excluded from this run: \(exclusion)", name: name))
        }
        return .success(participant)
    }

    /// Logs the refusal and tells the client to shut down (`reconnect` with 0 seconds), or to come back after
    /// `reconnectAfter` seconds.
    private func refuse(
        _ reason: String, name: String?, peer: String, continuation: AsyncStream<Flwr_Proto_ServerMessage>.Continuation,
        admitted: FlowerAdmission, reconnectAfter: Int64 = 0
    ) async -> String {
        await admitted.markRefused()
        onEvent(.refused(participant: name, peer: peer, reason: reason))
        var message = Flwr_Proto_ServerMessage()
        message.reconnectIns.seconds = reconnectAfter
        continuation.yield(message)
        continuation.finish()
        // Give the client a moment to read the reconnect before the stream closes.
        try? await Task.sleep(for: .seconds(1))
        return "refused: \(reason)"
    }
}

/// The session a Flower connection was admitted as, once it has been.
private actor FlowerAdmission {
    var session: FlowerSession?
    var refused = false
    func set(_ session: FlowerSession) { self.session = session }
    func markRefused() { refused = true }
}
