import ArgumentParser
import ConcordData
import ConcordFederation
import ConcordGovernance
import ConcordNN
import ConcordPlan
import ConcordPrivacy
import ConcordServer
import ConcordSystem
import ConcordTensor
import Foundation

/// `concord simulate`: a federation of virtual participants in one process.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a federation: N participants, each with its own slice of the data, training together.",
        discussion: """
            Reproduces the FedAvg paper's experiments (McMahan et al. 2017). For example, the 2NN on IID MNIST:
              concord simulate --model mlp --clients 100 --fraction 0.1 --local-epochs 1 --batch-size 10 \\
                --lr 0.1 --rounds 100 --partition iid --target-accuracy 0.97
            Partitions: iid; shards (2 label-sorted shards per participant, the paper's pathological non-IID) or \
            shards:K; dirichlet:ALPHA (Hsu et al. 2019). --dataset synthetic:ALPHA,BETA generates the FedProx \
            paper's 30 naturally partitioned devices instead (--clients and --partition do not apply).

            Strategies (--strategy): fedavg (McMahan et al. 2017); fedprox:MU (Li et al. 2020; with --stragglers \
            it aggregates stragglers' partial work, where fedavg drops them); fedavgm (server momentum, Hsu et al. \
            2019); fedadam, fedyogi, fedadagrad (Reddi et al. 2021; --server-lr, default 0.01); scaffold \
            (Karimireddy et al. 2020, option II control variates; scaffold-full: option I, one more pass over the data); robust aggregators median, trimmed-mean:BETA (Yin et al. 2018), krum:F, \
            multi-krum:F,M (Blanchard et al. 2017), bulyan:F (El Mhamdi et al. 2018). An aggregator and a server \
            optimiser combine with '+': median+fedavgm.
            Attacks (--attack with --attackers FRACTION, a fixed seeded subset of participants): sign-flip:K \
            sends −K times the honest update; gaussian:SIGMA sends noise of that standard deviation; \
            scaling:FACTOR boosts the honest update; label-flip trains on flipped labels.
            Differential privacy (--dp-noise-multiplier Z --dp-clip C): DP-FedAvg (McMahan et al. 2018) around any \
            strategy whose aggregate is a weighted sum; ε at --dp-delta is accounted with the RDP accountant \
            every round, reported per round, and --dp-epsilon-budget stops the run before it is exceeded.
            Secure aggregation (--secure-aggregation): SecAgg+ (Bell et al. 2020) with X25519, AES-GCM, Shamir \
            shares and AES-CTR masks; the coordinator sees only the sum of the quantised updates, which \
            participants may drop out of at any stage (--dropout 0.1@masked-input). With DP, participants clip \
            their own updates (--dp-client-side is implied). Robust aggregators and SCAFFOLD need individual \
            updates and are refused.
            """
    )

    @OptionGroup var data: DataOptions

    @OptionGroup(title: "Differential privacy") var privacy: PrivacyOptions

    @OptionGroup(title: "Secure aggregation") var secureAggregation: SecureAggregationOptions

    @OptionGroup(title: "Governance") var governance: GovernanceOptions

    @OptionGroup(title: "Dashboard") var dashboard: DashboardOptions

    @OptionGroup(title: "Tabular data (--data FILE.csv)") var tabular: TabularOptions

    @OptionGroup(title: "Image folders (--data DIR/CLASS/*.png)") var images: ImageOptions

    @Option(
        help: ArgumentHelp(
            "The coordinator's test images for a --data image folder: a folder with the same classes (default: "
                + "--test-fraction of the --data folder, held out with the seed).", valueName: "dir"))
    var testData: String?

    @Option(
        help:
            "Model from the zoo: \(ModelZoo.names.joined(separator: ", ")), mlp:WIDTH; or a model description file (.yaml, .json)."
    )
    var model = "mlp"

    @Option(
        help:
            "Number of participants K (default 100; 30 devices for synthetic data, as in the FedProx paper; 3 for a table)."
    )
    var clients: Int?

    @Option(help: "Fraction C of participants sampled each round (at least one is).")
    var fraction = 0.1

    @Option(help: "Local epochs E per round.")
    var localEpochs = 1

    @Option(help: "Local batch size B (0 = the whole local dataset, the paper's B = ∞).")
    var batchSize = 10

    @Option(help: "Local learning rate.")
    var lr: Float = 0.1

    @Option(help: "Rounds to run at most.")
    var rounds = 20

    @Option(help: "How the data are split: iid, shards, shards:K or dirichlet:ALPHA.")
    var partition = "iid"

    @Option(help: "Seed: the same seed gives bit-identical parameters, whatever the number of cores.")
    var seed: UInt64 = 1

    @Option(help: "Stop at the first evaluated round whose test accuracy reaches this fraction (e.g. 0.97).")
    var targetAccuracy: Double?

    @Option(help: "Evaluate on the test set every this many rounds (the last round always is; 0: only the last).")
    var evalEvery = 1

    @Option(help: "Participants training at once (default: one per core).")
    var concurrency = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        help: """
            fedavg, fedavgm, fedprox:MU, fedadam, fedyogi, fedadagrad, scaffold, scaffold-full, median, trimmed-mean:BETA, \
            krum:F, multi-krum:F,M, bulyan:F, or AGGREGATOR+OPTIMIZER (see below).
            """)
    var strategy = "fedavg"

    @Option(help: "Server learning rate (default 1; 0.01 for fedadam, fedyogi, fedadagrad).")
    var serverLr: Float?

    @Option(help: "Server momentum β of fedavgm (default 0.9).")
    var serverMomentum: Float?

    @Option(
        help: """
            Fraction of each round's participants that straggle and manage only 1…E−1 local epochs \
            (FedProx paper, 0.9 in its Figure 1); fedprox aggregates their partial work, the others drop them.
            """)
    var stragglers = 0.0

    @Option(help: "Attack mounted by the attackers: sign-flip:K, gaussian:SIGMA, scaling:FACTOR or label-flip.")
    var attack: String?

    @Option(help: "Fraction of participants that attack (a fixed subset chosen from the seed; default 0.2).")
    var attackers: Double?

    @Option(help: "Write a JSON report of the run to this file.")
    var report: String?

    @Option(help: "Save the final global model to this safetensors file (what `concord release create` signs).")
    var save: String?

    func validate() throws {
        if let clients, clients < 1 { throw ValidationError("--clients must be at least 1") }
        if tabular.customised, !TabularOptions.isTable(data.data) {
            throw ValidationError(
                "--label, --classes, --categorical, --schema, --missing and --site-column need --data FILE.csv")
        }
        if images.customised || testData != nil, !readsImageFolder {
            throw ValidationError(
                "--image-size, --channels and --test-data need --data DIR holding one sub-folder of PNG images per class"
            )
        }
        if tabular.siteColumn != nil, clients != nil || partition != "iid" {
            throw ValidationError(
                "--site-column makes one participant per site; --clients and --partition do not apply")
        }
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
        // The run's settings have the plan's rules, the same as `concord serve`'s.
        do {
            try plan(participants: clients ?? 100).validate()
            if let attack { _ = try Attack(parsing: attack) }
        } catch let error as PlanError {
            throw ValidationError(error.description)
        } catch let error as FederationError {
            throw ValidationError(error.description)
        }
        if secureAggregation.customised, !secureAggregation.enabled {
            throw ValidationError("the --secagg-… and --dropout options need --secure-aggregation")
        }
        if let attackers {
            guard attack != nil else { throw ValidationError("--attackers needs --attack") }
            guard (0...1).contains(attackers) else { throw ValidationError("--attackers must be in [0, 1]") }
        }
    }

    /// The run these flags describe, among `participants`.
    ///
    /// A simulation counts every round whatever part of it answered (stragglers dropped, simulated dropouts), as
    /// the papers it reproduces do: `min_fit_fraction` 0; the least number of results is the plan's default.
    func plan(participants: Int) -> RunPlan {
        RunPlan(
            model: model, dataset: data.dataset ?? data.name, partition: partition, participants: participants,
            rounds: rounds,
            strategy: RunPlan.StrategyChoice(
                name: strategy, serverLearningRate: serverLr, serverMomentum: serverMomentum, stragglers: stragglers),
            local: RunPlan.LocalChoice(epochs: localEpochs, batchSize: batchSize, learningRate: lr),
            fraction: fraction, sampling: privacy.sampling, minFitFraction: 0, dp: privacy.choice,
            secureAggregation: secureAggregation.choice, evalEvery: evalEvery, targetAccuracy: targetAccuracy,
            seed: seed, charter: governance.charter)
    }

    func run() async throws {
        let started = Date()
        GEMM.setThreads(1)
        let (federation, loss, description) = try loadFederation()
        let attack = try self.attack.map(Attack.init(parsing:))
        let participantCount = federation.participants.participantCount
        let plan = self.plan(participants: participantCount)
        try plan.validate()
        let settings = SimulationSettings(
            model: model, fraction: fraction, localEpochs: localEpochs, batchSize: batchSize, learningRate: lr,
            evalEvery: evalEvery, seed: seed, concurrency: concurrency, sampling: plan.sampling,
            minFitResults: plan.minFitResults, attack: attack,
            attackerFraction: attack == nil ? 0 : attackers ?? 0.2, loss: loss, modelDescription: description)
        let strategy = try plan.makeStrategy()
        let network = try settings.makeModel(
            inputShape: federation.test.exampleShape, classes: federation.test.classCount)
        let layout = network.layout
        let governed = try governance.load(
            request: plan.runRequest(layout: layout), participants: participantCount, seed: seed)
        let governors = governed?.governors ?? [:]
        let dropouts = try secureAggregation.schedule(seed: seed)
        let secure = secureAggregation.enabled
        let recordPrivacy = plan.dp?.recordPrivacy
        let recordAccountants = try Self.recordAccountants(
            recordPrivacy == nil ? 0 : participantCount, delta: privacy.delta, charter: governed?.charter)
        // Each participant goes through the pipeline `concord node` uses: charter check → train → clip → mask.
        let wrap: @Sendable (any ClientProxy) -> any ClientProxy = { participant in
            var check: (@Sendable (any ClientProxy) -> any ClientProxy)?
            if let governor = governors[participant.id] {
                check = { honest in GovernedParticipant(honest: honest, governor: governor) }
            }
            let accountant = recordAccountants[participant.id]
            return secure
                ? ParticipantPipeline.assembleSecure(
                    training: participant, charterCheck: check, dropouts: dropouts, recordAccountant: accountant)
                : ParticipantPipeline.assemble(training: participant, charterCheck: check, recordAccountant: accountant)
        }
        let secureSummation = plan.makeSecureSummation()
        var configuration = plan.coordinatorConfiguration(
            available: participantCount, seed: seed, secureSummation: secureSummation)
        configuration.charterHash = governed?.charter.hash
        let simulation = try Simulation(
            settings: settings, data: federation.participants, test: federation.test, strategy: strategy,
            wrap: governed == nil && !secure && recordAccountants.isEmpty ? nil : wrap,
            secureSummation: secureSummation, configuration: configuration,
            recordPrivacy: recordPrivacy == nil ? nil : SecureRecordPrivacyRandomness())
        if let governed {
            print(
                "governance: charter \(governed.charter.federation) (\(governed.charter.hash.prefix(16))…) in force; "
                    + "the run is permitted; each participant enforces its own ε cap")
            await governed.recorder.runStarted(governed.request)
            await simulation.coordinator.observe(with: governed.recorder)
        }
        if let recordPrivacy {
            print(Self.recordPrivacyLine(recordPrivacy, delta: privacy.delta))
        } else if privacy.enabled {
            print(
                "privacy: DP-FedAvg, \(plan.sampling) sampling"
                    + (plan.sampling == .fixed ? " (accounted without amplification)" : "")
                    + ", ε at δ=\(privacy.delta)"
                    + (privacy.epsilonBudget.map { ", budget ε=\($0)" } ?? ""))
        }
        if secure {
            let settings = secureAggregation.settings
            print(
                "secure aggregation: SecAgg+, \(settings.bits)-bit stochastic quantisation over [−c, c], "
                    + (settings.neighbours.map { "k=\($0)" }
                        ?? "k and t from n, δ=\(settings.expectedDropout), γ=\(settings.corruptFraction)")
                    + (dropouts.rates.isEmpty
                        ? ""
                        : "; simulated dropouts "
                            + dropouts.rates.map { "\($0.value)@\($0.key.rawValue)" }.sorted().joined(separator: ", ")))
        }
        if let attack {
            print("attack: \(simulation.attackers.count) participants mount \(attack)")
        }
        print(
            "concord simulate: \(strategy.name), \(model) on \(federation.name), \(federation.participants.participantCount) "
                + "participants (\(federation.partitionName)), C=\(fraction), E=\(localEpochs), B=\(batchSize == 0 ? "∞" : "\(batchSize)"), "
                + "lr=\(lr), \(concurrency) concurrent; BLAS: \(GEMM.kernel.name)")

        let dashboardServer = try await startDashboard(
            simulation: simulation, participants: participantCount, strategy: strategy.name)
        let progress = Self.showProgress(of: await simulation.coordinator.events(), rounds: rounds, started: started)
        let result = await simulation.run(rounds: rounds, targetAccuracy: targetAccuracy)
        let records = result.records
        _ = await progress.value
        await dashboardServer?.stop()
        var stoppedByRefusal: String?
        if case .budgetExhausted(let reason) = result.outcome {
            stoppedByRefusal = reason
            print(reason)
        }

        if let save {
            try network.load(await simulation.coordinator.parameters)
            try Safetensors.write(
                network.stateDictionary(), metadata: ["model": model, "format": "concord-nhwc"],
                to: URL(fileURLWithPath: save))
            print("saved the global model to \(save)")
        }
        var participantEpsilon: [String: Double]?
        if let governed {
            participantEpsilon = try await governance.finish(
                governed, records: records, model: await simulation.coordinator.parameters)
        }
        var summary = SimulationReport(
            settings: settings, command: self, federation: federation, records: records,
            strategy: strategy.name, attackers: simulation.attackers,
            stoppedByBudget: stoppedByRefusal,
            privacy: await simulation.coordinator.strategy as? any PrivacyAccounted,
            participantEpsilon: participantEpsilon, wallSeconds: Date().timeIntervalSince(started),
            peakResidentBytes: PeakMemory.residentBytes())
        if !recordAccountants.isEmpty {
            summary.recordPrivacy = Nullable(
                await SimulationReport.RecordPrivacy(recordPrivacy, accountants: recordAccountants))
            summary.recordPrivacy.value.map { print($0.summary) }
        }
        print(summary.summaryLine)
        if let report {
            try summary.write(to: report)
            print("wrote report to \(report)")
        }
    }
}
