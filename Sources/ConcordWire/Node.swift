import ConcordData
import ConcordPrivacy
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// What a node trains on: a dataset (IDX), or a table read against the run's schema once the coordinator sends it.
public enum NodeData: Sendable {
    /// Examples whose shape and classes the node knows.
    case dataset(Dataset)
    /// A CSV or TSV table, encoded with the federation's schema and standardisation.
    case table(NodeTable)
}

/// How a node reaches its coordinator and what it brings.
public struct NodeSettings: Sendable {
    /// The coordinator's host (a name its certificate lists, or an IP address).
    public var host: String
    /// The coordinator's port.
    public var port: Int
    /// This participant's name, the common name of its certificate.
    public var name: String
    /// Mutual TLS, or plaintext by explicit choice.
    public var security: WireSecurity
    /// The node's own training data; it never leaves the node.
    public var data: NodeData
    /// The first wait before reconnecting; it doubles after each failure, up to ``maxBackoff``.
    public var initialBackoff: Duration
    /// The longest wait between reconnection attempts.
    public var maxBackoff: Duration
    /// The largest task payload the node accepts (a model it could not hold is refused, unread).
    public var maxPayloadBytes: UInt64
    /// How many TLS handshakes in a row may fail before the node gives up: a wrong CA, an expired certificate or a
    /// plaintext peer will not mend by retrying. A refused TCP connection (the coordinator not up yet) does not count.
    public var maxTLSFailures: Int
    /// The charter the node enforces on every task, and its receipts; nil for a node under no charter.
    public var enforcement: NodeEnforcement?
    /// The node's own account of its record-level DP-SGD, kept across reconnections and runs (and, with a ledger
    /// file, restarts); every such round is admitted in it before training.
    public var recordPrivacy: RecordPrivacyAccountant

    /// Creates settings for a node that trains on a table, checked against the schema its welcome carries.
    public init(
        host: String, port: Int, name: String, security: WireSecurity, table: NodeTable,
        initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(5),
        maxPayloadBytes: UInt64 = 4 << 30, maxTLSFailures: Int = 5, enforcement: NodeEnforcement? = nil,
        recordPrivacy: RecordPrivacyAccountant? = nil
    ) {
        self.init(
            host: host, port: port, name: name, security: security, nodeData: .table(table),
            initialBackoff: initialBackoff, maxBackoff: maxBackoff, maxPayloadBytes: maxPayloadBytes,
            maxTLSFailures: maxTLSFailures, enforcement: enforcement,
            recordPrivacy: recordPrivacy ?? RecordPrivacyAccountant(participant: name))
    }

    /// Creates settings.
    public init(
        host: String, port: Int, name: String, security: WireSecurity, data: Dataset,
        initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(5),
        maxPayloadBytes: UInt64 = 4 << 30, maxTLSFailures: Int = 5, enforcement: NodeEnforcement? = nil,
        recordPrivacy: RecordPrivacyAccountant? = nil
    ) {
        self.init(
            host: host, port: port, name: name, security: security, nodeData: .dataset(data),
            initialBackoff: initialBackoff, maxBackoff: maxBackoff, maxPayloadBytes: maxPayloadBytes,
            maxTLSFailures: maxTLSFailures, enforcement: enforcement,
            recordPrivacy: recordPrivacy ?? RecordPrivacyAccountant(participant: name))
    }

    private init(
        host: String, port: Int, name: String, security: WireSecurity, nodeData: NodeData,
        initialBackoff: Duration, maxBackoff: Duration, maxPayloadBytes: UInt64, maxTLSFailures: Int,
        enforcement: NodeEnforcement?, recordPrivacy: RecordPrivacyAccountant
    ) {
        self.enforcement = enforcement
        self.recordPrivacy = recordPrivacy
        self.host = host
        self.port = port
        self.name = name
        self.security = security
        self.data = nodeData
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxPayloadBytes = maxPayloadBytes
        self.maxTLSFailures = maxTLSFailures
    }
}

/// A participant's process: joins the coordinator, trains what it is asked to on its own data, sends
/// heartbeats, and reconnects with exponential backoff (and jitter) whenever the connection fails, until
/// the coordinator says the run is over or refuses the node.
public struct Node: Sendable {
    /// The node's settings.
    public let settings: NodeSettings
    private let log: @Sendable (String) -> Void

    /// Creates a node; `log` receives one line per thing worth telling its operator.
    public init(settings: NodeSettings, log: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.log = log
    }

    /// Runs until the coordinator says farewell (returning its reason) or refuses the node.
    ///
    /// - Throws: ``WireError/rejected(_:)`` when the coordinator refuses the node (a wrong certificate,
    ///   a name it does not list, data it cannot use): retrying would not help. ``WireError/security(_:)``
    ///   when the node's own certificate files cannot be read, or after ``NodeSettings/maxTLSFailures`` TLS
    ///   handshakes in a row failed (naming the cause and the CA the node trusts).
    public func run() async throws -> String {
        try settings.security.checkFiles()
        var check: CoordinatorCertificateCheck?
        if case .mutualTLS(_, _, let ca, _) = settings.security { check = try CoordinatorCertificateCheck(caPath: ca) }
        let endpoint = "\(settings.host):\(settings.port)"
        var backoff = settings.initialBackoff
        var tlsFailures = 0
        while true {
            try Task.checkCancellation()
            let welcomed = Mutex(false)
            let failure: String
            do {
                return try await session(check: check) { welcomed.withLock { $0 = true } }
            } catch let error as WireError {
                switch error {
                case .rejected, .withdrew: throw error
                default: break
                }
                failure = "ended: \(error)"
                tlsFailures = 0
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // After a welcome the handshake had succeeded: whatever failed then was not TLS's set-up.
                if !welcomed.withLock({ $0 }),
                    let tls = TLSFailure.atNode(error, security: settings.security, check: check)
                {
                    // Only a failure that cannot be a coordinator shedding load counts towards giving up.
                    if tls.isDefinitive { tlsFailures += 1 }
                    let trusted = check.map { " (\($0.trusted))" } ?? ""
                    if tlsFailures >= settings.maxTLSFailures {
                        throw WireError.security(
                            "gave up on \(endpoint) after \(tlsFailures) failed TLS handshakes in a row: \(tls)\(trusted)"
                        )
                    }
                    failure = "failed (\(tlsFailures) of \(settings.maxTLSFailures)): \(tls)\(trusted)"
                } else {
                    failure = "failed: \(Self.describe(error))"
                    tlsFailures = 0
                }
            }
            // A session that got as far as the welcome was a working connection: start the backoff afresh.
            if welcomed.withLock({ $0 }) { backoff = settings.initialBackoff }
            log("connection to \(endpoint) \(failure); retrying in \(backoff)")
            let jitter = Double.random(in: 0.8...1.2)
            try await Task.sleep(for: backoff * jitter)
            backoff = min(backoff * 2, settings.maxBackoff)
        }
    }

    /// One connection: Hello, then tasks until farewell, rejection or failure.
    private func session(
        check: CoordinatorCertificateCheck?, onWelcome: @escaping @Sendable () -> Void
    ) async throws -> String {
        let outbox = Outbox<Concord_V1_NodeMessage> { chunk in
            var message = Concord_V1_NodeMessage()
            message.chunk = chunk
            return message
        }
        var hello = Concord_V1_Hello()
        hello.protocolVersion = FederationService.protocolVersion
        hello.name = settings.name
        switch settings.data {
        case .dataset(let dataset):
            hello.data.exampleCount = UInt64(dataset.count)
            hello.data.exampleShape = dataset.exampleShape.map { UInt32(clamping: $0) }
            hello.data.classCount = UInt32(clamping: dataset.classCount)
        case .table(let table):
            hello.data.exampleCount = UInt64(table.trainingRowCount)
            hello.data.tabular = true
        }
        var first = Concord_V1_NodeMessage()
        first.hello = hello
        outbox.send(first)
        let tasks = NodeTasks(settings: settings, outbox: outbox, log: log, onWelcome: onWelcome)
        defer { outbox.finish() }
        let transport = try HTTP2ClientTransport.Posix(
            target: Self.target(settings.host, settings.port),
            transportSecurity: settings.security.client(checkingWith: check),
            config: .defaults { config in
                config.backoff.initial = .milliseconds(100)
                config.backoff.max = .seconds(1)
            })
        do {
            return try await join(transport: transport, outbox: outbox, tasks: tasks)
        } catch {
            // A node that withdrew waited for the coordinator to end the stream; however it ended, it is final.
            if let reason = await tasks.withdrawal { throw WireError.withdrew(reason) }
            throw error
        }
    }

    private func join(
        transport: HTTP2ClientTransport.Posix, outbox: Outbox<Concord_V1_NodeMessage>, tasks: NodeTasks
    ) async throws -> String {
        try await withGRPCClient(transport: transport) { client in
            let federation = Concord_V1_Federation.Client(wrapping: client)
            return try await federation.join(
                requestProducer: { writer in try await outbox.drain(into: writer) },
                onResponse: { response in
                    try await withThrowingTaskGroup(of: String?.self) { group in
                        group.addTask {
                            for try await message in response.messages {
                                if let farewell = try await tasks.receive(message) { return farewell }
                            }
                            throw WireError.sessionClosed("the coordinator closed the stream")
                        }
                        group.addTask {
                            try await tasks.keepAlive()
                            return nil
                        }
                        defer { group.cancelAll() }
                        while let next = try await group.next() {
                            if let farewell = next { return farewell }
                        }
                        throw WireError.sessionClosed("the coordinator closed the stream")
                    }
                })
        }
    }

    /// An IP address is dialled as such (TLS may not name an IP in SNI; the certificate's IP entry is
    /// checked instead); anything else is resolved as a DNS name, which the certificate must list.
    static func target(_ host: String, _ port: Int) -> any ResolvableTarget {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) { return .ipv4(address: host, port: port) }
        if host.contains(":") { return .ipv6(address: host, port: port) }
        return .dns(host: host, port: port)
    }

    static func describe(_ error: any Error) -> String {
        if let rpc = error as? RPCError { return "\(rpc.code): \(rpc.message)" }
        return "\(error)"
    }
}
