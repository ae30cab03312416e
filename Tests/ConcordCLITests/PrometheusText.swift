import Foundation
import Testing

/// Prometheus text format read by Prometheus's own Python client (`prometheus_client.parser`), so the test does
/// not check the coordinator's output with a parser of its own making.
enum PrometheusText {
    /// One sample: its name (with `_total`, `_count`, `_sum`, `_bucket`), its labels and its value.
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        samples = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            for sample in family.samples:
                samples.append([sample.name, dict(sample.labels), sample.value])
        json.dump(samples, sys.stdout)
        """

    /// The samples of `text`; records an issue and throws when the parser refuses it or is not installed.
    static func parse(_ text: String) async throws -> [Sample] {
        let python = try #require(ExternalTool.find(["python3"]), "python3 is needed to parse /metrics")
        let output = try await ExternalTool.run(python, ["-c", script], input: Data(text.utf8))
        let problem = "prometheus_client could not parse /metrics (scripts/bootstrap.sh --python installs it): "
        try #require(output.status == 0, "\(problem)\(output.stderr)\n\(text)")
        let rows = try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [[Any]])
        return try rows.map { row in
            try #require(row.count == 3)
            return Sample(
                name: try #require(row[0] as? String), labels: try #require(row[1] as? [String: String]),
                value: try #require((row[2] as? NSNumber)?.doubleValue))
        }
    }
}

extension Array where Element == PrometheusText.Sample {
    /// The value of the sample called `name` with `labels`, if there is one.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { $0.name == name && $0.labels == labels }?.value
    }
}
