import ConcordData
import ConcordFederation
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import X509

/// What the coordinator's gRPC service admits and how it keeps sessions alive.
public struct ServiceSettings: Sendable {
    /// The run nodes join, named in the welcome.
    public var run: String
    /// The example shape every node's data must have.
    public var exampleShape: [Int]
    /// The class count every node's data must have.
    public var classCount: Int
    /// How often each side sends a heartbeat; a side silent for three intervals is taken for gone.
    public var heartbeatInterval: Duration
    /// How long a new connection has to say Hello.
    public var helloTimeout: Duration
    /// Whether nodes must present a certificate whose common name is their participant name (mutual TLS).
    /// Only `--insecure` turns it off.
    public var requiresCertificates: Bool
    /// How long a new connection may take to open its stream, and how many may be waiting at once.
    public var connectionLimits: ConnectionLimits
    /// The most examples a node may declare when it joins (its largest weight in an aggregate); nil for
    /// no bound beyond the declaration itself.
    public var maxExamplesPerParticipant: Int?
    /// A run on tabular data: the schema its welcome gives every node, whose table is read against it (the
    /// example shape is then the schema's encoded width); nil for a run on IDX examples.
    public var tableSchema: TabularSchema?

    /// Creates settings.
    public init(
        run: String, exampleShape: [Int], classCount: Int, heartbeatInterval: Duration = .seconds(2),
        helloTimeout: Duration = .seconds(10), requiresCertificates: Bool = true,
        connectionLimits: ConnectionLimits = ConnectionLimits(), maxExamplesPerParticipant: Int? = nil,
        tableSchema: TabularSchema? = nil
    ) {
        self.tableSchema = tableSchema
        self.run = run
        self.exampleShape = exampleShape
        self.classCount = classCount
        self.heartbeatInterval = heartbeatInterval
        self.helloTimeout = helloTimeout
        self.requiresCertificates = requiresCertificates
        self.connectionLimits = connectionLimits
        self.maxExamplesPerParticipant = maxExamplesPerParticipant
    }
}

/// The `concord.v1.Federation` service: admits nodes (certificate, listing, protocol version, data) and
/// gives each admitted session to its ``RemoteParticipant``.
struct FederationService: Concord_V1_Federation.SimpleServiceProtocol {
    let registry: ParticipantRegistry
    let settings: ServiceSettings
    let traffic: WireTraffic
    let onEvent: @Sendable (SessionEvent) -> Void
    /// Checks node certificates as `concord certs verify` does; nil without mutual TLS.
    var certificates: CertificateAdmission? = nil

    /// The protocol version this coordinator speaks.
    static let protocolVersion: UInt32 = 1

    private enum Ending: Sendable {
        case rejected
        /// The participant already has a session open: this connection is turned away, to try again later.
        case busy(String)
        case ended(String)
    }

    func join(
        request: RPCAsyncSequence<Concord_V1_NodeMessage, any Error>,
        response: RPCWriter<Concord_V1_CoordinatorMessage>, context: ServerContext
    ) async throws {
        let outbox = Outbox<Concord_V1_CoordinatorMessage>(traffic: traffic) { chunk in
            var message = Concord_V1_CoordinatorMessage()
            message.chunk = chunk
            return message
        }
        let peer = context.remotePeer
        let certificate = await certificates?.check(context) ?? .absent
        let admitted = Admission()
        let ending: Ending = await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                do {
                    try await outbox.drain(into: response)
                    return nil
                } catch {
                    return .ended("cannot write to the node: \(error)")
                }
            }
            group.addTask {
                await self.read(
                    request, outbox: outbox, peer: peer, certificate: certificate, admitted: admitted)
            }
            group.addTask { await self.watch(admitted, outbox: outbox) }
            var ending: Ending = .ended("the stream ended")
            while let next = await group.next() {
                guard let next else { break }  // the outbox drained: everything was written
                ending = next
                if case .rejected = next { continue }  // let the rejection be written
                break
            }
            group.cancelAll()
            return ending
        }
        if let session = await admitted.session {
            let reason: String
            switch ending {
            case .rejected: reason = "rejected"
            case .busy(let why), .ended(let why): reason = why
            }
            await session.close(reason: reason)
            registry.participant(named: session.name)?.detach(session)
            onEvent(.disconnected(participant: session.name, reason: reason))
        }
        outbox.finish()
        // Not a rejection, which a node takes as final: the node retries, and gets in once the session
        // holding its name has ended.
        if case .busy(let reason) = ending { throw RPCError(code: .alreadyExists, message: reason) }
    }

    /// Reads the node's messages: Hello first, then replies, chunks and heartbeats.
    private func read(
        _ request: RPCAsyncSequence<Concord_V1_NodeMessage, any Error>, outbox: Outbox<Concord_V1_CoordinatorMessage>,
        peer: String, certificate: PeerCertificate, admitted: Admission
    ) async -> Ending {
        // The reader's own reference: the shared `admitted` is for the watchdog and the clean-up.
        var current: NodeSession?
        do {
            for try await message in request {
                if case .chunk(let chunk) = message.kind { traffic.didReceive(chunk.data.count) }
                if let current {
                    try await current.receive(message)
                    continue
                }
                guard case .hello(let hello) = message.kind else {
                    return reject("the first message must be Hello", name: nil, peer: peer, outbox: outbox)
                }
                switch admit(hello, certificate: certificate) {
                case .failure(let refusal):
                    return reject(refusal.reason, name: hello.name, peer: peer, outbox: outbox)
                case .success(let participant):
                    let session = NodeSession(
                        name: participant.name, participant: participant.id,
                        declaredExamples: Int(clamping: hello.data.exampleCount), peer: peer, outbox: outbox,
                        onLateReply: { [onEvent] task in onEvent(.lateReply(participant: participant.name, task: task))
                        })
                    if let open = participant.attach(session) {
                        let reason =
                            "'\(participant.name)' already has a session open, from \(open); a second "
                            + "connection with its name is refused while that one lasts"
                        onEvent(.refused(participant: participant.name, peer: peer, reason: reason))
                        return .busy(reason)
                    }
                    current = session
                    await admitted.set(session)
                    var welcome = Concord_V1_Welcome()
                    welcome.run = settings.run
                    welcome.participantID = UInt32(participant.id)
                    welcome.heartbeatIntervalMs = UInt32((settings.heartbeatInterval.seconds * 1000).rounded())
                    welcome.maxPayloadBytes = NodeSession.maxReplyBytes
                    if let schema = settings.tableSchema { welcome.tableSchema = WireConversion.tableSchema(schema) }
                    var reply = Concord_V1_CoordinatorMessage()
                    reply.welcome = welcome
                    outbox.send(reply)
                    onEvent(.connected(participant: participant.name, peer: peer))
                }
            }
            return .ended("the node closed the stream")
        } catch WireError.withdrew(let reason) {
            // Its table does not fit the run: recorded as a refusal, with the node's own account of why.
            onEvent(.refused(participant: current?.name, peer: peer, reason: "withdrew: \(reason)"))
            return .ended("withdrew: \(reason)")
        } catch let error as WireError {
            return .ended("\(error)")
        } catch is CancellationError {
            return .ended("the coordinator is stopping")
        } catch {
            return .ended("the connection failed: \(error)")
        }
    }

    private struct Refusal: Error { var reason: String }

    private func admit(_ hello: Concord_V1_Hello, certificate: PeerCertificate) -> Result<RemoteParticipant, Refusal> {
        guard hello.protocolVersion == Self.protocolVersion else {
            return .failure(
                Refusal(
                    reason: "the node speaks protocol version \(hello.protocolVersion); this coordinator speaks "
                        + "\(Self.protocolVersion)"))
        }
        if settings.requiresCertificates {
            if let refusal = certificate.refusal { return .failure(Refusal(reason: refusal)) }
            guard let certificateName = certificate.name else {
                return .failure(Refusal(reason: "no client certificate with a participant name as its common name"))
            }
            guard certificateName == hello.name else {
                return .failure(
                    Refusal(
                        reason: "the node says it is '\(hello.name)' but its certificate names '\(certificateName)'"))
            }
        }
        guard let participant = registry.participant(named: hello.name) else {
            return .failure(Refusal(reason: "'\(hello.name)' is not a participant of this federation's configuration"))
        }
        if let exclusion = participant.exclusion {
            return .failure(Refusal(reason: "'\(hello.name)' is excluded from this run: \(exclusion)"))
        }
        if let most = settings.maxExamplesPerParticipant, hello.data.exampleCount > UInt64(most) {
            return .failure(
                Refusal(
                    reason: "the node declares \(hello.data.exampleCount) examples; this run admits at most \(most) "
                        + "per participant"))
        }
        if let schema = settings.tableSchema {
            guard hello.data.tabular, hello.data.exampleShape.isEmpty, hello.data.classCount == 0,
                hello.data.exampleCount > 0
            else {
                return .failure(
                    Refusal(
                        reason: "the run trains on tables (label '\(schema.label)'); the node has "
                            + (hello.data.tabular
                                ? "a table of \(hello.data.exampleCount) rows" : "IDX examples, not a table")))
            }
            return .success(participant)
        }
        guard !hello.data.tabular else {
            return .failure(
                Refusal(
                    reason: "the run trains on examples of shape \(settings.exampleShape); the node holds a table"))
        }
        let shape = hello.data.exampleShape.map { Int($0) }
        guard shape == settings.exampleShape, Int(hello.data.classCount) == settings.classCount,
            hello.data.exampleCount > 0
        else {
            return .failure(
                Refusal(
                    reason: "the run trains on examples of shape \(settings.exampleShape) with \(settings.classCount) "
                        + "classes; the node has \(hello.data.exampleCount) examples of shape \(shape) with "
                        + "\(hello.data.classCount) classes"))
        }
        return .success(participant)
    }

    private func reject(
        _ reason: String, name: String?, peer: String, outbox: Outbox<Concord_V1_CoordinatorMessage>
    ) -> Ending {
        var rejection = Concord_V1_Rejection()
        rejection.reason = reason
        var message = Concord_V1_CoordinatorMessage()
        message.rejection = rejection
        outbox.send(message)
        outbox.finish()
        onEvent(.refused(participant: name, peer: peer, reason: reason))
        return .rejected
    }

    /// Sends heartbeats and ends a session that stays silent for three intervals (or never says Hello).
    private func watch(_ admitted: Admission, outbox: Outbox<Concord_V1_CoordinatorMessage>) async -> Ending? {
        let started = ContinuousClock.now
        var sequence: UInt64 = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.heartbeatInterval)
            guard let session = await admitted.session else {
                if ContinuousClock.now - started > settings.helloTimeout { return .ended("no Hello in time") }
                continue
            }
            if ContinuousClock.now - (await session.lastHeard) > settings.heartbeatInterval * 3 {
                return .ended("no word from the node for three heartbeat intervals")
            }
            sequence += 1
            var heartbeat = Concord_V1_Heartbeat()
            heartbeat.sequence = sequence
            var message = Concord_V1_CoordinatorMessage()
            message.heartbeat = heartbeat
            outbox.send(message)
        }
        return nil
    }
}

/// The session a connection was admitted as, once it has been.
private actor Admission {
    var session: NodeSession?
    func set(_ session: NodeSession) { self.session = session }
}
