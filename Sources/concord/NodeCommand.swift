import ArgumentParser
import ConcordData
import ConcordGovernance
import ConcordPrivacy
import ConcordTensor
import ConcordWire
import Foundation

/// `concord node`: a participant of a real federation.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Join a federation as a participant: train on local data, send only model updates.",
        discussion: """
            Connects to the coordinator with mutual TLS (its certificate, key and the federation's CA; \
            `--pki DIR` takes them from the layout `concord certs init` writes), trains what it is asked to on \
            the local data with Concord's engine, sends heartbeats, and reconnects with backoff whenever the \
            connection drops, until the coordinator says the run is over. When the TLS handshake fails (another \
            CA, an expired certificate, TLS on one side only) it says why and, after 5 such failures in a row, \
            exits with status 2. The data never leave this machine. A \
            task whose model or layout this node cannot serve is refused, with the reason, to the coordinator \
            and on this node's output.
            """)

    @Option(help: ArgumentHelp("The coordinator, HOST:PORT.", valueName: "host:port"))
    var server: String

    @Option(
        help: ArgumentHelp(
            "A folder with this node's training data as IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]; `concord partition` writes such folders), or an image folder: one sub-folder of PNG images per class (DIR/CLASS/*.png). Or a table, FILE.csv or FILE.tsv: its label, classes and columns are the run's schema, which the coordinator sends; a table that does not fit it (a missing column, a value that is not a number, an unknown category or class) is refused, naming the file, row and column, and the node exits with status 2 without taking part.",
            valueName: "path"))
    var data: String

    @OptionGroup(title: "Image folders (--data DIR/CLASS/*.png)") var images: ImageOptions

    @Option(
        help: ArgumentHelp(
            "The run's classes in label order, comma-separated: an image folder whose class folders differ is "
                + "refused before joining, naming the difference (the coordinator checks only their number).",
            valueName: "names"))
    var classes: String?

    @Option(
        help: ArgumentHelp(
            "With a table: the share of its rows kept back to evaluate the global model on after every round "
                + "(federated evaluation; 0 evaluates on the training rows).", valueName: "fraction"))
    var heldOutFraction = 0.0

    @Option(help: "With a table: the seed of the shuffle that chooses the held-out rows.")
    var heldOutSeed: UInt64 = 1

    @Option(help: "This participant's name: its certificate's common name, listed in the coordinator's configuration.")
    var name: String

    @Option(
        help: ArgumentHelp(
            "A folder laid out by `concord certs init` (ca.pem, nodes/NAME.pem, nodes/NAME-key.pem).", valueName: "dir")
    )
    var pki: String?

    @Option(help: ArgumentHelp("This node's certificate (PEM), instead of --pki.", valueName: "path"))
    var certificate: String?

    @Option(help: ArgumentHelp("This node's private key (PEM), instead of --pki.", valueName: "path"))
    var key: String?

    @Option(help: ArgumentHelp("The federation CA's certificate (PEM), instead of --pki.", valueName: "path"))
    var ca: String?

    @Option(
        help: ArgumentHelp(
            "The charter this participant signed (in force): every task is checked against it before training "
                + "(model layout, rounds, noise floor, δ, secure aggregation) and refused, naming the clause, when it "
                + "breaks it; every update sent carries this node's signed receipt. Needs --signing-key and --ledger.",
            valueName: "path"))
    var charter: String?

    @Option(
        help: ArgumentHelp(
            "This participant's signing key (`concord keys generate`; the charter lists its public half).",
            valueName: "path"))
    var signingKey: String?

    @Option(
        help: ArgumentHelp(
            "This participant's own ε ledger (JSON, created on first use and kept across runs and restarts): a task "
                + "that would take it past its cap in the charter is refused.", valueName: "path"))
    var ledger: String?

    @Option(
        help: ArgumentHelp(
            "This participant's record-level ε ledger (JSON, created on first use and kept across runs and restarts): "
                + "every round of record-level DP-SGD is written to it before the node trains.", valueName: "path"))
    var recordLedger: String?

    @Option(
        help: ArgumentHelp(
            "The most record-level ε (at the run's δ) this participant will spend; a round that would take it past "
                + "is refused. Needs --record-ledger.", valueName: "ε"))
    var recordEpsilonCap: Double?

    @Flag(help: "Connect without TLS (the coordinator must also be --insecure; local trials only).")
    var insecure = false

    @OptionGroup var keyPermissions: KeyPermissionOptions

    @Option(help: "BLAS threads for local training.")
    var threads = 1

    func validate() throws {
        guard parsedServer != nil else { throw ValidationError("--server must be HOST:PORT, got '\(server)'") }
        if insecure, pki != nil || certificate != nil || key != nil || ca != nil {
            throw ValidationError("--insecure takes no certificates")
        }
        if !insecure, pki == nil, certificate == nil || key == nil || ca == nil {
            throw ValidationError("give --pki DIR, or --certificate, --key and --ca (or --insecure for a local trial)")
        }
        if (charter == nil) != (signingKey == nil) || (charter == nil) != (ledger == nil) {
            throw ValidationError("--charter, --signing-key and --ledger go together")
        }
        if charter != nil, recordLedger != nil || recordEpsilonCap != nil {
            throw ValidationError(
                "under --charter the node's ledger is --ledger and its cap the charter's: drop --record-ledger and "
                    + "--record-epsilon-cap")
        }
        if let recordEpsilonCap {
            guard recordLedger != nil else { throw ValidationError("--record-epsilon-cap needs --record-ledger") }
            guard recordEpsilonCap > 0, recordEpsilonCap.isFinite else {
                throw ValidationError("--record-epsilon-cap must be positive, got \(recordEpsilonCap)")
            }
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
        if images.customised || classes != nil, !ImageFolder.looksLikeImageFolder(dataURL) {
            throw ValidationError(
                "--image-size, --channels and --classes need --data DIR holding one sub-folder of PNG images per class")
        }
        guard heldOutFraction >= 0, heldOutFraction <= 0.5 else {
            throw ValidationError("--held-out-fraction must be in [0, 0.5], got \(heldOutFraction)")
        }
        if heldOutFraction > 0, !TabularOptions.isTable(data) {
            throw ValidationError("--held-out-fraction needs a table (--data FILE.csv or FILE.tsv)")
        }
    }

    /// The --data folder.
    private var dataURL: URL { URL(fileURLWithPath: (data as NSString).expandingTildeInPath, isDirectory: true) }

    /// The node's training data: the image folder (checked against --classes) or the IDX training files.
    ///
    /// - Throws: ``ConcordData/ImageError`` naming the folder or file; ``ConcordData/DataError`` for IDX files.
    private func loadData() throws -> Dataset {
        guard ImageFolder.looksLikeImageFolder(dataURL) else { return try MNIST.loadTraining(directory: dataURL) }
        let folder = try ImageFolderDataset(root: dataURL, options: images.options)
        if let classes {
            let expected = classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard folder.classes == expected else {
                throw ImageError.classMismatch(
                    folder: folder.root, found: folder.classes, expected: expected, expectedFrom: "the run (--classes)")
            }
        }
        let shape = folder.dataset.exampleShape
        printLine(
            "concord node \(name): image folder \(data): classes \(folder.classes.joined(separator: ", ")) "
                + "as \(shape[0])×\(shape[1])×\(shape[2])")
        return folder.dataset
    }

    /// The coordinator's endpoint; a node cannot dial port 0.
    private var parsedServer: Endpoint? { Endpoint(parsing: server).flatMap { $0.port == 0 ? nil : $0 } }

    /// The node's own governance under its charter, with its ledger and receipts; nil without --charter.
    private func loadGovernance() async throws -> NodeGovernance? {
        guard let charter, let signingKey, let ledger else { return nil }
        let identity = try KeyFile.readIdentity(
            at: signingKey, allowInsecurePermissions: keyPermissions.allowInsecureKeyPermissions)
        let governance = try NodeGovernance.load(charterAt: charter, name: name, identity: identity, ledgerAt: ledger)
        var spent = await governance.governor.epsilonSpent
        var level = ""
        if let record = governance.recordPrivacy {
            spent = await record.epsilon
            level = "record-level "
        }
        printLine(
            "concord node \(name): under charter \(governance.charter.federation) "
                + "(\(governance.charter.hash.prefix(16))…); \(level)ε spent so far \(String(format: "%.4f", spent)) of "
                + "its cap \(governance.participant.epsilonCap), ledger \(ledger)")
        return governance
    }

    /// The node's record-level accountant: its ledger file when given (read back when it exists), else in memory.
    private func makeRecordPrivacy() async throws -> RecordPrivacyAccountant? {
        guard let recordLedger else { return nil }
        let accountant = try RecordPrivacyAccountant(
            participant: name, epsilonCap: recordEpsilonCap, file: RecordPrivacyLedgerFile(path: recordLedger))
        var spent = "record-level ε spent so far 0"
        if let delta = await accountant.delta {
            spent = "record-level ε spent so far \(String(format: "%.4f", await accountant.epsilon)) at δ = \(delta) "
                + "after \(await accountant.steps) DP-SGD steps"
        }
        let cap = recordEpsilonCap.map { " of its cap \($0)" } ?? " (no cap)"
        printLine("concord node \(name): \(spent)\(cap), record ledger \(recordLedger)")
        return accountant
    }

    func run() async throws {
        GEMM.setThreads(threads)
        guard let endpoint = parsedServer else { throw ValidationError("--server must be HOST:PORT") }
        let (host, port) = (endpoint.host, endpoint.port)
        let security: WireSecurity
        if insecure {
            FileHandle.standardError.write(
                Data("concord node: WARNING: --insecure: the connection is not encrypted\n".utf8))
            security = .insecure
        } else if let pki {
            let directory = PKIDirectory(path: pki)
            security = .mutualTLS(
                certificate: certificate ?? directory.nodeCertificatePath(name),
                privateKey: key ?? directory.nodePrivateKeyPath(name), trustedCA: ca ?? directory.caCertificatePath,
                allowInsecureKeyPermissions: keyPermissions.allowInsecureKeyPermissions)
        } else {
            security = .mutualTLS(
                certificate: certificate ?? "", privateKey: key ?? "", trustedCA: ca ?? "",
                allowInsecureKeyPermissions: keyPermissions.allowInsecureKeyPermissions)
        }
        let governance = try await loadGovernance()
        let enforcement = governance.map { governance in
            NodeEnforcement(
                enforce: { governance.enforce($0) },
                receipt: { update, instruction in try governance.receipt(for: update, instruction: instruction) })
        }
        // Under a record-level charter the node's record-level accountant is its charter ledger, at its charter cap.
        var recordPrivacy = governance?.recordPrivacy
        if recordPrivacy == nil { recordPrivacy = try await makeRecordPrivacy() }
        let settings: NodeSettings
        if TabularOptions.isTable(data) {
            let table: NodeTable
            do {
                table = try NodeTable(
                    contentsOf: URL(fileURLWithPath: (data as NSString).expandingTildeInPath),
                    heldOutFraction: heldOutFraction, seed: heldOutSeed)
            } catch {
                FileHandle.standardError.write(Data("concord node \(name): \(error)\n".utf8))
                throw ExitCode(1)
            }
            printLine(
                "concord node \(name): \(table.rowCount) rows in \(table.file) (\(table.trainingRowCount) to train on); "
                    + "joining \(host):\(port), which sends the run's schema")
            settings = NodeSettings(
                host: host, port: port, name: name, security: security, table: table, enforcement: enforcement,
                recordPrivacy: recordPrivacy)
        } else {
            let dataset = try loadData()
            printLine("concord node \(name): \(dataset.count) local examples; joining \(host):\(port)")
            settings = NodeSettings(
                host: host, port: port, name: name, security: security, data: dataset, enforcement: enforcement,
                recordPrivacy: recordPrivacy)
        }
        let node = Node(settings: settings, log: { printLine("concord node \(name): \($0)") })
        do {
            let farewell = try await node.run()
            printLine("concord node \(name): \(farewell)")
        } catch let error as WireError {
            FileHandle.standardError.write(Data("concord node \(name): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
