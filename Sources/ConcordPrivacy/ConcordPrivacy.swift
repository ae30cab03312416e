/// ConcordPrivacy: differential privacy for federated rounds (clipping, the Gaussian mechanism,
/// adaptive clipping, the RDP accountant and the budget ledger), and later secure aggregation.
