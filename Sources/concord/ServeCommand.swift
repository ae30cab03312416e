import ArgumentParser
import ConcordFederation
import ConcordGovernance
import ConcordNN
import ConcordPlan
import ConcordServer
import ConcordStore
import ConcordTensor
import ConcordWire
import Foundation

/// `concord serve`: the coordinator of a real federation.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Coordinate a real federation: nodes join over gRPC with mutual TLS; every round is persisted.",
        discussion: """
            Reads a federation configuration (YAML; see Docs/federation.md): the run's model, strategy, rounds, \
            sampling, deadlines, the participants allowed to join (by certificate common name), where to listen, \
            the TLS files and the SQLite store. Only nodes whose certificates chain to the configured CA and \
            whose names are listed are admitted. Every round commits atomically to the store: a coordinator \
            killed at any instant and started again with the same configuration resumes from the last committed \
            round, bit for bit, and nodes reconnect on their own. A round with too few results is retried from \
            the last committed state; after max_retries the run pauses (see `concord status`) until every \
            participant is back. --dashboard 127.0.0.1:PORT serves a live web dashboard and Prometheus /metrics; \
            `concord run pause|resume|stop` controls the run between rounds. Differential privacy and secure aggregation take the same flags as \
            `concord simulate`.
            """)

    @Option(help: ArgumentHelp("The federation configuration file (YAML).", valueName: "path"))
    var config: String

    @Option(
        help: ArgumentHelp(
            "A charter in force (YAML, signed by every party): the coordinator refuses to start a run it does not "
                + "permit, naming the clause. Overrides the configuration's `charter` key.", valueName: "path"))
    var charter: String?

    @Option(
        help: ArgumentHelp(
            "The coordinator's signing key (`concord keys generate`; the charter lists its public half): with a "
                + "charter, every committed round is signed into the run's audit log, kept in the store. Overrides "
                + "the configuration's `signing_key`.", valueName: "path"))
    var signingKey: String?

    @Option(
        help: ArgumentHelp(
            "Also write the run's signed audit log (JSON lines) to this file after every committed round; "
                + "`concord audit export --store` writes it from the store at any time. Overrides `audit_log`.",
            valueName: "path"))
    var auditLog: String?

    @Flag(help: "Serve plaintext gRPC without TLS or client authentication (local trials only; logs a warning).")
    var insecure = false

    @OptionGroup var keyPermissions: KeyPermissionOptions

    @Option(help: "Save the final global model to this safetensors file.")
    var save: String?

    @Option(
        help: ArgumentHelp(
            "Listen here instead of the configuration's `listen` (HOST:PORT; the run stays the same run).",
            valueName: "host:port"))
    var listen: String?

    @Option(
        help: ArgumentHelp(
            "Once listening, write the port to this file (with `listen: HOST:0` the system picks a free port).",
            valueName: "path"))
    var portFile: String?

    @Option(
        help: ArgumentHelp(
            "Once the Flower listener listens (`flower_listen`), write its port to this file.", valueName: "path"))
    var flowerPortFile: String?

    @OptionGroup(title: "Dashboard") var dashboard: DashboardOptions

    @OptionGroup(title: "Differential privacy") var privacy: PrivacyOptions

    @OptionGroup(title: "Secure aggregation") var secureAggregation: SecureAggregationOptions

    @Option(
        name: .customLong("accept-changed"),
        help: ArgumentHelp(
            "On a resume, accept that this field of the run's plan changed (repeatable); only fields that change "
                + "neither the computation nor the privacy guarantee: "
                + PlanDifference.safeFields.joined(separator: ", ") + ".", valueName: "field"))
    var acceptChanged: [String] = []

    func validate() throws {
        if let unsafe = acceptChanged.first(where: { !PlanDifference.safeFields.contains($0) }) {
            throw ValidationError(PlanError.notSafeToChange(field: unsafe, safe: PlanDifference.safeFields).description)
        }
        if let listen, Endpoint(parsing: listen) == nil {
            throw ValidationError("--listen must be HOST:PORT (port 0 picks a free one), got '\(listen)'")
        }
        if secureAggregation.customised, !secureAggregation.enabled {
            throw ValidationError("the --secagg-… options need --secure-aggregation")
        }
        if !secureAggregation.dropouts.isEmpty {
            throw ValidationError("--dropout simulates dropouts in `concord simulate`; a real federation has its own")
        }
    }

    /// The run's governance under the plan's charter (checked against it first); nil without a charter.
    private func makeGovernance(for plan: RunPlan, config: FederationConfig) throws -> CoordinatorGovernance? {
        let keyPath = signingKey ?? config.signingKey
        let exportPath = auditLog ?? config.auditLog
        guard let charterPath = plan.charter else {
            if keyPath != nil || exportPath != nil {
                throw ValidationErrorMessage("--signing-key and --audit-log need a charter (--charter, or charter:)")
            }
            return nil
        }
        let charter = try CharterGate.check(charterAt: charterPath, plan: plan, participants: config.participants)
        let identity = try keyPath.map {
            try KeyFile.readIdentity(at: $0, allowInsecurePermissions: keyPermissions.allowInsecureKeyPermissions)
        }
        return try CoordinatorGovernance(charter: charter, identity: identity, auditLogPath: exportPath)
    }

    func run() async throws {
        GEMM.setThreads(1)
        let (loaded, text) = try FederationConfig.load(path: self.config)
        var config = loaded
        if let listen { config.listen = listen }
        let security: WireSecurity
        if insecure {
            FileHandle.standardError.write(
                Data(
                    ("concord serve: WARNING: --insecure: no TLS, no client authentication; anyone who can reach "
                        + "\(config.listen) can join as any listed participant and read the model\n").utf8))
            security = .insecure
        } else {
            guard let tls = config.tls else {
                throw ValidationErrorMessage(
                    "\(self.config): 'tls' (ca, certificate, private_key) is required; create them with "
                        + "`concord certs init`, or pass --insecure for a local trial")
            }
            security = .mutualTLS(
                certificate: tls.certificate, privateKey: tls.privateKey, trustedCA: tls.ca,
                allowInsecureKeyPermissions: keyPermissions.allowInsecureKeyPermissions)
        }
        let secure = secureAggregation.enabled
        let plan = config.plan(
            dp: privacy.choice, secureAggregation: secureAggregation.choice, sampling: privacy.sampling,
            charter: charter)
        let governance = try makeGovernance(for: plan, config: config)
        if let charter = plan.charter {
            printLine("concord serve: the charter '\(charter)' is in force and permits the run")
            if governance?.identity == nil {
                FileHandle.standardError.write(
                    Data(
                        ("concord serve: WARNING: no signing key (--signing-key or signing_key): the run is held to the "
                            + "charter and its updates to their nodes' receipts, but no audit log is written\n").utf8))
            }
        }
        let run = try FederationRun(
            config: config, configurationText: text, plan: plan, acceptChanged: Set(acceptChanged),
            security: security, openStore: { [path = config.store] in try SQLiteRunStore(path: path) },
            dashboard: try dashboard.request(), governance: governance,
            log: { printLine("concord serve: \($0)") })
        printLine(
            "concord serve: run '\(config.run)', \(run.strategy.name), \(config.model), \(config.rounds) rounds, "
                + "\(config.participants.count) participants (C=\(config.fraction)), store \(config.store)"
                + (secure ? ", secure aggregation" : "") + (privacy.enabled ? ", differential privacy" : ""))
        if privacy.enabled, config.seed != nil {
            FileHandle.standardError.write(
                Data(
                    ("concord serve: WARNING: '\(self.config)' sets a seed: whoever reads the configuration can tell "
                        + "who will be sampled, which the privacy accounting assumes nobody can; leave 'seed' out and "
                        + "the run draws a secret one\n").utf8))
        }
        let (portFile, flowerPortFile) = (self.portFile, self.flowerPortFile)
        let outcome = try await run.run(
            onListening: { port in
                guard let portFile else { return }
                try DashboardOptions.writePort(port, to: portFile)
            },
            onFlowerListening: { port in
                guard let flowerPortFile else { return }
                try DashboardOptions.writePort(port, to: flowerPortFile)
            })
        printLine("concord serve: \(outcome.reason)")
        if outcome.stopped {
            if save != nil { printLine("concord serve: not saving the model: the run is not over") }
            return
        }
        if let last = outcome.records.last(where: { $0.evaluation != nil }), let evaluation = last.evaluation {
            printLine(
                String(
                    format: "concord serve: final test accuracy %.2f%% (round %d)", evaluation.accuracy * 100,
                    last.round))
        }
        if let save {
            // Only the architecture is wanted here: the parameters are the run's.
            let network = try plan.makeModel(
                inputShape: outcome.exampleShape, classes: outcome.classCount, seed: 0, tabular: plan.tabular)
            try network.load(outcome.parameters)
            try Safetensors.write(
                network.stateDictionary(), metadata: ["model": config.model, "format": "concord-nhwc"],
                to: URL(fileURLWithPath: save))
            printLine("concord serve: saved the global model to \(save)")
        }
    }
}
