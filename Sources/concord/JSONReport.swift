import Foundation

/// A report a command writes with `--report FILE`.
protocol JSONReport: Encodable {}

extension JSONReport {
    /// Writes the report as pretty-printed JSON with sorted keys, atomically (a crash never leaves half a file).
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
