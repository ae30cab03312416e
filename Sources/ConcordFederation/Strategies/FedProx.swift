/// FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks"): FedAvg whose participants
/// minimise F_k(w) + μ/2·‖w − w_global‖² (see ``LocalSGD``), which bounds how far heterogeneous local
/// work drifts, and whose coordinator aggregates partial work (stragglers' fewer epochs) instead of
/// dropping it.
public typealias FedProx = FedOpt<WeightedMean, ServerAveraging>

extension FedOpt where Aggregator == WeightedMean, Optimizer == ServerAveraging {
    /// FedProx with proximal weight μ; simulated stragglers' partial work is aggregated.
    public static func fedProx(
        mu: Float, localEpochs: Int, batchSize: Int, learningRate: Float, stragglerFraction: Double = 0
    ) -> FedProx {
        FedProx(
            local: LocalTraining(
                epochs: localEpochs, batchSize: batchSize, learningRate: learningRate, proximalMu: mu),
            aggregator: WeightedMean(), optimizer: ServerAveraging(),
            stragglers: StragglerSimulation(fraction: stragglerFraction, aggregatesPartialWork: true))
    }
}
