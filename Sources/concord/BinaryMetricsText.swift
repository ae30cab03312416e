import ConcordNN
import Foundation

extension SimulateCommand {
    /// ", AUC 0.991, precision 0.95, recall 0.97" for a binary model's evaluation (a dash where undefined).
    static func describe(_ binary: BinaryClassificationMetrics) -> String {
        func text(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "—" }
        return ", AUC \(text(binary.auc, "%.4f")), precision \(text(binary.precision, "%.3f")), "
            + "recall \(text(binary.recall, "%.3f"))"
    }
}
