/// What a node does with a missing feature value (an empty field, or one of the schema's missing tokens).
/// Labels are never allowed to be missing.
public enum MissingValueRule: String, Sendable, Equatable, Codable, CaseIterable {
    /// Refuse the table, naming the row and column.
    case reject
    /// A numeric value becomes the federation's mean (0 once standardised); a categorical one an all-zero one-hot.
    case impute
}
