import ArgumentParser
import ConcordGovernance
import ConcordNN
import Foundation

/// `concord charter init`: writes a charter from options.
struct CharterInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a charter (YAML) from options; edit it, then have every participant sign it.",
        discussion: """
            Name real keys with --coordinator-key and one --participant NAME=PUBLIC_KEY_FILE per participant \
            (ids 0, 1, … in order). For a self-contained example, --simulated N uses simulated keys derived from \
            --seed for a coordinator and participant-0 … participant-(N-1), and --sign-simulated signs it with them \
            (NOT FOR PRODUCTION: anyone who knows the seed holds those keys).
            """)

    @Option(help: "Where to write the charter.")
    var out: String

    @Flag(help: "Overwrite --out if it exists.")
    var force = false

    @Option(help: "The federation's name.")
    var federation = "my-federation"

    @Option(help: "The coordinator's public key file.")
    var coordinatorKey: String?

    @Option(help: "The coordinator's name.")
    var coordinatorName = "coordinator"

    @Option(help: "A participant as NAME=PUBLIC_KEY_FILE (repeat for each, in id order).")
    var participant: [String] = []

    @Option(help: "Use N simulated participants with keys derived from --seed (NOT FOR PRODUCTION).")
    var simulated: Int?

    @Option(help: "The seed of the simulated keys.")
    var seed: UInt64 = 0

    @Flag(help: "With --simulated: sign the charter with every simulated participant's key.")
    var signSimulated = false

    @Option(help: "A permitted model from the zoo (repeat for several): \(ModelZoo.names.joined(separator: ", ")).")
    var model: [String] = []

    @Option(help: "One example's shape, comma-separated (NHWC), which fixes the models' layouts.")
    var inputShape = "28,28,1"

    @Option(help: "The number of classes, which fixes the models' layouts.")
    var classes = 10

    @Option(help: "A permitted strategy (repeat for several), e.g. fedavg, median, trimmed-mean:0.2+fedavgm.")
    var strategy: [String] = []

    @Option(help: "The most rounds of one run.")
    var maxRounds = 100

    @Option(help: "Each participant's own ε cap.")
    var epsilonCap = 8.0

    @Option(help: "One participant's own ε cap instead of --epsilon-cap, as NAME=CAP (repeatable).")
    var participantCap: [String] = []

    @Option(
        help: ArgumentHelp(
            "Whom the privacy guarantee protects: user (DP-FedAvg, each participant's contribution) or record (DP-SGD "
                + "at each node, one record of its data; the noise floor is then σ, the caps record-level ε).",
            valueName: "user|record"))
    var privacyLevel = "user"

    @Flag(inversion: .prefixedNo, help: "Whether secure aggregation is required.")
    var secureAggregation = true

    @Option(help: "The smallest noise multiplier a run may use.")
    var minNoiseMultiplier = 1.0

    @Option(help: "The largest δ a run may state.")
    var maxDelta = 1e-5

    @Option(help: "The largest ε budget a run may have.")
    var maxEpsilon = 8.0

    @Option(help: "Participants that must co-sign a release (default: a majority).")
    var quorum: Int?

    func validate() throws {
        if simulated != nil, !participant.isEmpty || coordinatorKey != nil {
            throw ValidationError("--simulated replaces --coordinator-key and --participant; give one or the other")
        }
        if simulated == nil, participant.isEmpty || coordinatorKey == nil {
            throw ValidationError(
                "give --coordinator-key and at least one --participant NAME=KEY_FILE, or --simulated N")
        }
        if let simulated, !(1...10_000).contains(simulated) {
            throw ValidationError("--simulated must be between 1 and 10000")
        }
        if signSimulated, simulated == nil { throw ValidationError("--sign-simulated needs --simulated") }
        if Charter.PrivacyLevel(rawValue: privacyLevel) == nil {
            throw ValidationError("--privacy-level must be user or record, got '\(privacyLevel)'")
        }
    }

    /// The parsed --privacy-level (``validate()`` has checked it).
    private var level: Charter.PrivacyLevel { Charter.PrivacyLevel(rawValue: privacyLevel) ?? .user }

    func run() throws {
        var identities: [SigningIdentity] = []
        let coordinator: Charter.Coordinator
        var participants: [Charter.Participant] = []
        if let simulated {
            GovernanceFiles.note("warning: simulated keys derived from seed \(seed): not for production")
            coordinator = .init(
                name: coordinatorName,
                publicKey: SigningIdentity.simulated(seed: seed, participant: coordinatorName).publicKey)
            for i in 0..<simulated {
                let identity = SigningIdentity.simulated(seed: seed, participant: "participant-\(i)")
                identities.append(identity)
                participants.append(
                    .init(name: "participant-\(i)", id: i, publicKey: identity.publicKey, epsilonCap: epsilonCap))
            }
        } else {
            coordinator = .init(name: coordinatorName, publicKey: try KeyFile.readPublicKey(at: coordinatorKey ?? ""))
            for (i, text) in participant.enumerated() {
                guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                    throw ValidationError("--participant '\(text)': expected NAME=PUBLIC_KEY_FILE")
                }
                let name = String(text[..<equals]), path = String(text[text.index(after: equals)...])
                participants.append(
                    .init(name: name, id: i, publicKey: try KeyFile.readPublicKey(at: path), epsilonCap: epsilonCap))
            }
        }
        for text in participantCap {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let cap = Double(parts[1]), cap > 0, cap.isFinite,
                let index = participants.firstIndex(where: { $0.name == parts[0] })
            else {
                throw ValidationError("--participant-cap '\(text)': expected NAME=CAP with a listed NAME and CAP > 0")
            }
            participants[index].epsilonCap = cap
        }
        let shape = inputShape.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !shape.isEmpty, shape.count == inputShape.split(separator: ",").count, shape.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--input-shape must be positive integers separated by commas, e.g. 28,28,1")
        }
        var tasks: [Charter.Task] = []
        for name in model.isEmpty ? ["cnn"] : model {
            let network = try ModelZoo.make(name, inputShape: shape, classes: classes, seed: 0)
            tasks.append(
                .init(
                    model: name, layoutHash: network.layout.sha256,
                    strategies: strategy.isEmpty ? ["fedavg"] : strategy, maxRounds: maxRounds))
        }
        var charter = try Charter(
            federation: federation, coordinator: coordinator, participants: participants, tasks: tasks,
            privacy: .init(
                level: level, secureAggregationRequired: secureAggregation, minNoiseMultiplier: minNoiseMultiplier,
                maxDelta: maxDelta, maxEpsilon: maxEpsilon),
            releaseQuorum: quorum ?? participants.count / 2 + 1)
        if signSimulated {
            for identity in identities { try charter.addSignature(with: identity) }
        }
        try GovernanceFiles.write(Data(charter.yamlText.utf8), to: out, force: force)
        let status = charter.isInForce ? "in force" : "not yet in force: every participant must sign it"
        print("wrote \(out): charter \(charter.hash), \(participants.count) participants, \(status)")
    }
}
