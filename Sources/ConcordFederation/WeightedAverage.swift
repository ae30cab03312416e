import ConcordNN

/// The example-weighted mean of participants' parameters, the heart of FedAvg and its relatives.
public enum WeightedAverage {
    /// Σ_k (n_k / n) w_k over the results, in the order given (callers sort by participant,
    /// so the floating-point sum, and hence the run, is reproducible).
    ///
    /// - Throws: ``FederationError/layoutMismatch(_:)`` when a result's layout differs from `layout`;
    ///   ``FederationError/invalidConfiguration(_:)`` when there are no results or no examples.
    public static func of(_ results: [FitResult], layout: ParameterLayout) throws -> Parameters {
        let total = results.reduce(0) { $0 + max(0, $1.update.exampleCount) }
        guard total > 0 else { throw FederationError.invalidConfiguration("no examples to average over") }
        var sum = [Double](repeating: 0, count: layout.scalarCount)
        for result in results {
            guard result.update.parameters.layout == layout else {
                throw FederationError.layoutMismatch(
                    "participant \(result.participant) sent parameters of another model")
            }
            let weight = Double(max(0, result.update.exampleCount)) / Double(total)
            result.update.parameters.values.withUnsafeBufferPointer { w in
                sum.withUnsafeMutableBufferPointer { s in
                    for i in 0..<s.count { s[i] += weight * Double(w[i]) }
                }
            }
        }
        return Parameters(unchecked: layout, values: sum.map { Float($0) })
    }

    /// The example-weighted mean of each metric the participants reported.
    public static func metrics(_ results: [FitResult]) -> [String: Double] {
        var sums: [String: Double] = [:], weights: [String: Double] = [:]
        for result in results {
            let n = Double(max(0, result.update.exampleCount))
            for (key, value) in result.update.metrics where value.isFinite {
                sums[key, default: 0] += value * n
                weights[key, default: 0] += n
            }
        }
        return sums.reduce(into: [:]) { out, entry in
            if let w = weights[entry.key], w > 0 { out[entry.key] = entry.value / w }
        }
    }
}
