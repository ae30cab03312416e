import ConcordData
import ConcordNN
import ConcordTensor

/// Concord's built-in ``LocalTrainer``: local SGD epochs of a ConcordNN model on one dataset.
public final class ModelTrainer: LocalTrainer {
    /// The model trained in place (its parameters are replaced at every fit).
    public let model: Sequential
    /// The local training data (with ``trainingRows``, the dataset those rows index).
    public var trainingData: Dataset
    /// The rows of ``trainingData`` that are this participant's examples, in its order; all of them when nil.
    /// A simulated participant trains from the shared dataset through them, without copying its examples.
    public var trainingRows: [Int]?
    /// Local held-out data for ``evaluate(_:)``; the training data when nil.
    public var evaluationData: Dataset?
    /// Checked between steps; training stops with `CancellationError` when it returns true.
    public var isCancelled: () -> Bool = { false }
    /// The randomness of record-level DP-SGD (``FitConfig/recordPrivacy``); an instruction asking for it is refused
    /// when there is none.
    public var recordPrivacyRandomness: (any RecordPrivacyRandomness)?

    /// Creates a trainer.
    public init(model: Sequential, trainingData: Dataset, evaluationData: Dataset? = nil) {
        self.model = model
        self.trainingData = trainingData
        self.evaluationData = evaluationData
    }

    /// Creates a trainer on a view of a shared dataset: batches are gathered through the view's rows.
    public init(model: Sequential, training view: DatasetView, evaluationData: Dataset? = nil) {
        self.model = model
        self.trainingData = view.dataset
        self.trainingRows = view.rows
        self.evaluationData = evaluationData
    }

    /// The number of local training examples.
    public var localExampleCount: Int { trainingRows?.count ?? trainingData.count }

    /// Loads the global parameters, runs E epochs of SGD with batch size B (with FedProx's proximal term
    /// and SCAFFOLD's correction when the instruction carries them), returns the new parameters.
    ///
    /// With ``FitConfig/recordPrivacy`` the epochs are DP-SGD instead (Poisson-sampled steps, per-record clipping,
    /// noise from ``recordPrivacyRandomness``); the update's `steps` is then the number of noised steps, what the
    /// participant's accountant composes.
    ///
    /// - Throws: a layout or model error when the parameters or data do not fit the model;
    ///   `CancellationError` when ``isCancelled`` turns true.
    public func fit(_ instruction: FitInstruction) throws -> ClientUpdate {
        let config = instruction.config
        guard config.localEpochs >= 1, config.batchSize >= 0, config.learningRate > 0, config.proximalMu >= 0
        else {
            throw FederationError.invalidConfiguration(
                "local epochs must be ≥ 1, batch size ≥ 0, learning rate > 0 and μ ≥ 0, got \(config)")
        }
        if config.recordPrivacy != nil, config.reportsGradient {
            throw FederationError.invalidConfiguration(
                "record-level DP-SGD cannot report the plain mean gradient (scaffold-full's control variate): it "
                    + "would release the records unprotected; use scaffold or another strategy")
        }
        try model.load(instruction.parameters)
        let optimizer: any Optimizer =
            config.proximalMu == 0 && instruction.correction == nil
            ? SGD(learningRate: config.learningRate)
            : try LocalSGD(
                learningRate: config.learningRate, proximalMu: config.proximalMu,
                anchor: instruction.parameters.values, correction: instruction.correction)
        var generator = SeededGenerator(seed: config.seed)
        let count = localExampleCount
        let batchSize = config.batchSize == 0 ? max(1, count) : config.batchSize
        let gradient = config.reportsGradient ? try meanGradient(batchSize: max(batchSize, 100)) : nil
        var loss = 0.0
        var steps = config.localEpochs * ((count + batchSize - 1) / batchSize)
        var metrics: [String: Double] = [:]
        if let recordPrivacy = config.recordPrivacy {
            (loss, steps, metrics) = try trainPrivately(recordPrivacy, epochs: config.localEpochs, optimizer: optimizer)
        } else {
            for _ in 0..<config.localEpochs {
                loss = try model.trainEpoch(
                    features: trainingData.features, labels: trainingData.labels, targets: trainingData.targets,
                    rows: trainingRows, batchSize: batchSize, optimizer: optimizer, generator: &generator,
                    shouldStop: isCancelled)
            }
        }
        metrics["loss"] = loss
        var update = ClientUpdate(
            parameters: Parameters(model: model), exampleCount: count, steps: steps, metrics: metrics)
        update.gradient = gradient
        if let clipNorm = config.clipNorm {
            try UpdateClipping.clip(&update, around: instruction.parameters, to: clipNorm)
        }
        return update
    }

    /// E epochs of DP-SGD: the last epoch's loss, the steps taken and the share of sampled records clipped.
    private func trainPrivately(
        _ configuration: DPSGDConfiguration, epochs: Int, optimizer: any Optimizer
    ) throws -> (loss: Double, steps: Int, metrics: [String: Double]) {
        guard model.loss == .softmaxCrossEntropy, trainingData.targets == nil else {
            throw FederationError.invalidConfiguration(
                "record-level DP-SGD trains softmax cross-entropy classifiers only; this model's loss is "
                    + "\(model.loss.rawValue)")
        }
        guard let randomness = recordPrivacyRandomness else {
            throw FederationError.invalidConfiguration(
                "the round asks for record-level DP-SGD and this participant has no secure source of noise for it")
        }
        do {
            try configuration.validate()
        } catch {
            throw FederationError.invalidConfiguration(error.description)
        }
        var sampler = randomness.makeSampler()
        var noise = randomness.makeNoise()
        var loss = 0.0, steps = 0, examples = 0, clipped = 0
        for _ in 0..<epochs {
            let epoch = try model.trainEpochDPSGD(
                features: trainingData.features, labels: trainingData.labels, rows: trainingRows,
                configuration: configuration, optimizer: optimizer, sampler: &sampler, noise: &noise,
                shouldStop: isCancelled)
            loss = epoch.loss
            steps += epoch.steps
            examples += epoch.examples
            clipped += epoch.clipped
        }
        return (loss, steps, ["clipped_fraction": examples == 0 ? 0 : Double(clipped) / Double(examples)])
    }

    /// The mean loss gradient over the training data at the model's current parameters, in layout order.
    private func meanGradient(batchSize: Int) throws -> [Float] {
        var sum = [Double](repeating: 0, count: model.parameterCount)
        var start = 0
        let count = localExampleCount
        while start < count {
            if isCancelled() { throw CancellationError() }
            let end = min(count, start + batchSize)
            let rows = trainingRows.map { Array($0[start..<end]) } ?? Array(start..<end)
            let batch = trainingData.batch(rows)
            let logits = try model.forward(batch.features, training: true)
            let (_, dLogits) = try model.lossAndGradient(
                outputs: logits, labels: batch.labels, targets: trainingData.targets(rows))
            model.backward(dLogits)
            let weight = Double(end - start)
            var offset = 0
            model.forEachParameter { _, _, gradient in
                gradient.withUnsafeBufferPointer { g in
                    for i in 0..<g.count { sum[offset + i] += weight * Double(g[i]) }
                }
                offset += gradient.count
            }
            start = end
        }
        let n = Double(max(1, count))
        return sum.map { Float($0 / n) }
    }

    /// Loss and accuracy of the parameters on the evaluation data (and AUC, precision, recall for a binary model).
    public func evaluate(_ parameters: Parameters) throws -> EvaluationResult {
        try model.load(parameters)
        let data = evaluationData ?? DatasetView(trainingData, rows: trainingRows).materialized()
        let result = try model.evaluate(features: data.features, labels: data.labels, targets: data.targets)
        return EvaluationResult(
            loss: result.loss, accuracy: result.accuracy, exampleCount: result.count, binary: result.binary)
    }
}
