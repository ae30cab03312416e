/// The federated pre-round that agrees on standardisation without pooling rows: the coordinator asks each
/// participant for the counts, sums and sums of squares of its numeric columns (a ``Report``), adds them up and
/// announces the resulting means and standard deviations, which every participant then standardises with.
///
/// The messages are plain `Codable` values, so the same round runs in-process in a simulation and, later, over the
/// wire; ``combine(_:request:)`` checks every report as it would a hostile peer's.
public enum StandardisationRound {
    /// What the coordinator asks for: the numeric features, in the schema's order.
    public struct Request: Sendable, Equatable, Codable {
        /// The numeric features whose statistics are wanted (``TabularSchema/numericNames``).
        public var features: [String]

        /// A request for the numeric features of `schema`.
        public init(schema: TabularSchema) { features = schema.numericNames }

        /// A request for `features`.
        public init(features: [String]) { self.features = features }
    }

    /// One participant's answer: its statistics, nothing about any single row.
    public struct Report: Sendable, Equatable, Codable {
        /// The participant's id (its index in the federation).
        public var participant: Int
        /// The counts, sums and sums of squares of its numeric columns, in the request's order.
        public var statistics: FeatureStatistics

        /// Creates a report.
        public init(participant: Int, statistics: FeatureStatistics) {
            self.participant = participant
            self.statistics = statistics
        }
    }

    /// The participant's side: the statistics of its table, for the features `request` names.
    ///
    /// - Throws: ``TabularError/invalidSchema(reason:)`` when the table's numeric features are not the ones asked for.
    public static func report(participant: Int, table: TabularTable, request: Request) throws(TabularError) -> Report {
        let statistics = table.statistics
        guard statistics.names == request.features else {
            throw .invalidSchema(
                reason: "the coordinator asks for statistics of \(request.features), participant \(participant)'s "
                    + "table has numeric features \(statistics.names)")
        }
        return Report(participant: participant, statistics: statistics)
    }

    /// The coordinator's side: the sum of the reports, in the order given, and the standardisation it implies.
    ///
    /// - Parameters:
    ///   - reports: one report per participant.
    ///   - request: what was asked.
    /// - Returns: the federation's means and standard deviations, and the summed statistics.
    /// - Throws: ``TabularError/invalidSchema(reason:)`` for no reports, a report about other features, a
    ///   participant that reports twice, or statistics no table could have (negative counts, non-finite or
    ///   negative sums of squares).
    public static func combine(
        _ reports: [Report], request: Request
    ) throws(TabularError)
        -> (standardisation: Standardisation, total: FeatureStatistics)
    {
        guard !reports.isEmpty else { throw .invalidSchema(reason: "no participant reported feature statistics") }
        var total = FeatureStatistics(names: request.features)
        var seen: Set<Int> = []
        for report in reports {
            let s = report.statistics
            guard seen.insert(report.participant).inserted else {
                throw .invalidSchema(reason: "participant \(report.participant) reported its statistics twice")
            }
            guard s.names == request.features, s.counts.count == s.names.count, s.sums.count == s.names.count,
                s.sumsOfSquares.count == s.names.count
            else {
                throw .invalidSchema(
                    reason: "participant \(report.participant) reported statistics of \(s.names), "
                        + "not of the requested \(request.features)")
            }
            for index in s.names.indices {
                guard s.counts[index] >= 0, s.sums[index].isFinite, s.sumsOfSquares[index].isFinite,
                    s.sumsOfSquares[index] >= 0
                else {
                    throw .invalidSchema(
                        reason: "participant \(report.participant) reported impossible statistics for "
                            + "'\(s.names[index])' (count \(s.counts[index]), sum \(s.sums[index]), "
                            + "sum of squares \(s.sumsOfSquares[index]))")
                }
            }
            total = try total.merged(with: s)
        }
        return (total.standardisation, total)
    }
}
