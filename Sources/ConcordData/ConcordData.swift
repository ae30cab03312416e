/// ConcordData: datasets in memory, the IDX reader (raw or gzip), bundled MNIST, and
/// (with the federated simulation) the partitioners that split a dataset among participants.
