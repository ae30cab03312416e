import Foundation

/// A report a command writes with `--report FILE`.
protocol JSONReport: Encodable {}

extension JSONReport {
    /// Writes the report as pretty-printed JSON with sorted keys, atomically (a crash never leaves half a file).
    /// Non-finite numbers (the loss of a diverged model) are written as the strings "NaN", "Infinity" and
    /// "-Infinity", which JSON has no numbers for.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The report as one line of JSON with sorted keys, for `--json` on standard output.
    func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
