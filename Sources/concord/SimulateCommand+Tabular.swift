import ConcordData
import ConcordNN
import ConcordPlan

extension SimulateCommand {
    /// The federation's data, and the loss and model description the model is built with: a `--data` table is
    /// read against its schema, divided among participants (by site or by partition) and standardised by the
    /// federated pre-round; an image folder is loaded by ``loadImageFolder()``; anything else loads as before. A zoo model on two-class tabular data is trained with
    /// binary cross-entropy on one logit (`logreg` is then logistic regression).
    ///
    /// - Throws: ``ConcordData/TabularError`` naming the file, row and column of bad input; the loaders' errors.
    func loadFederation() throws -> (input: FederationInput, loss: ModelLoss?, description: ModelDescription?) {
        let description = try RunPlan.namesModelFile(model) ? ModelFile.read(model) : nil
        if readsImageFolder { return (try loadImageFolder(), nil, description) }
        guard let path = data.data, TabularOptions.isTable(path) else {
            let input = try FederationInput.load(
                dataset: data.dataset, source: data.source, clients: clients, partition: partition, seed: seed)
            return (input, nil, description)
        }
        let table = try tabular.read(path)
        let (input, federation) = try FederationInput.tabular(
            table, bySite: tabular.siteColumn != nil, clients: clients, partition: partition,
            testFraction: tabular.testFraction, seed: seed)
        let schema = table.schema
        print(
            "data: \(table.count) rows of \(path), label '\(schema.label)' (\(schema.classes.joined(separator: ", "))), "
                + "\(schema.features.count) features → \(schema.encodedWidth) inputs; "
                + "participants \(federation.names.joined(separator: ", ")) with "
                + federation.participants.map { "\($0.count)" }.joined(separator: "/") + " training rows, "
                + "\(federation.test.count) held out; standardised by the federated pre-round")
        let loss: ModelLoss? = description == nil && schema.classes.count == 2 ? .binaryCrossEntropy : nil
        return (input, loss, description)
    }
}
