import ConcordTensor

/// A table divided among simulated participants (by a site column or by a partition scheme), each keeping some of
/// its rows back for the coordinator's held-out test set; then standardised by the federated pre-round
/// (``StandardisationRound``) and encoded, never by pooling rows.
public struct TabularFederation: Sendable {
    /// The participants' names: their site, or "participant N" for a partition.
    public var names: [String]
    /// Each participant's training rows.
    public var participants: [TabularTable]
    /// The held-out rows of every participant together: the coordinator's test set.
    public var test: TabularTable

    /// The schema every participant's rows were read against.
    public var schema: TabularSchema { test.schema }

    /// One participant per distinct value of the table's site column, in sorted order; each holds back a seeded
    /// `testFraction` of its rows (at least one row always stays for training).
    ///
    /// - Throws: ``TabularError/invalidSchema(reason:)`` when the table was read without a site column,
    ///   ``TabularError/tooFewRows(file:reason:)`` when no row is left for the test set.
    public static func bySite(
        _ table: TabularTable, testFraction: Double, seed: UInt64
    ) throws(TabularError)
        -> TabularFederation
    {
        guard let sites = table.sites else {
            throw .invalidSchema(reason: "the table was read without a site column")
        }
        var rowsOfSite: [String: [Int]] = [:]
        for (row, site) in sites.enumerated() { rowsOfSite[site, default: []].append(row) }
        let names = rowsOfSite.keys.sorted()
        return try split(
            table, names: names, groups: names.map { rowsOfSite[$0] ?? [] }, testFraction: testFraction, seed: seed)
    }

    /// `clients` participants drawn by `scheme` (as ``ClientPartition`` divides a dataset) from the rows left after
    /// a seeded `testFraction` of the whole table is held out.
    ///
    /// - Throws: ``TabularError/tooFewRows(file:reason:)`` when no row is left for the test set or a participant;
    ///   the partitioner's ``DataError``.
    public static func partitioned(
        _ table: TabularTable, clients: Int, scheme: PartitionScheme, testFraction: Double, seed: UInt64
    ) throws -> TabularFederation {
        try checkFraction(testFraction, file: table.file)
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<table.count)
        order.shuffle(using: &generator)
        let held = heldOutCount(table.count, testFraction)
        let test = Array(order[..<held]).sorted(), train = Array(order[held...]).sorted()
        guard !test.isEmpty else {
            throw TabularError.tooFewRows(
                file: table.file, reason: "\(table.count) rows leave none for a \(testFraction) test set")
        }
        let parts = try Partitioner.partition(
            labels: train.map { table.labels[$0] }, classCount: table.schema.classes.count, clients: clients,
            scheme: scheme, generator: &generator)
        if let empty = parts.firstIndex(where: \.isEmpty) {
            throw TabularError.tooFewRows(
                file: table.file, reason: "participant \(empty) of \(clients) gets no training row (\(scheme))")
        }
        return TabularFederation(
            names: parts.indices.map { "participant \($0)" },
            participants: parts.map { part in table.rows(part.map { train[$0] }) }, test: table.rows(test))
    }

    /// The federated pre-round: every participant reports its statistics, the coordinator sums them.
    ///
    /// - Throws: ``TabularError`` when a report does not fit the request.
    public func agreeStandardisation() throws(TabularError) -> Standardisation {
        let request = StandardisationRound.Request(schema: schema)
        var reports: [StandardisationRound.Report] = []
        for (participant, table) in participants.enumerated() {
            reports.append(try StandardisationRound.report(participant: participant, table: table, request: request))
        }
        return try StandardisationRound.combine(reports, request: request).standardisation
    }

    /// Every participant's training rows and the test rows as datasets, standardised with `standardisation`.
    ///
    /// - Throws: ``TabularError/invalidSchema(reason:)`` when the standardisation is for other features.
    public func encoded(
        with standardisation: Standardisation
    ) throws(TabularError)
        -> (participants: [Dataset], test: Dataset)
    {
        var datasets: [Dataset] = []
        for table in participants { datasets.append(try table.dataset(standardisation: standardisation)) }
        return (datasets, try test.dataset(standardisation: standardisation))
    }

    /// Splits each group's rows into training rows and held-out rows.
    static func split(
        _ table: TabularTable, names: [String], groups: [[Int]], testFraction: Double, seed: UInt64
    ) throws(TabularError) -> TabularFederation {
        try checkFraction(testFraction, file: table.file)
        var generator = SeededGenerator(seed: seed)
        var participants: [TabularTable] = [], test: [Int] = []
        for rows in groups {
            var order = rows
            order.shuffle(using: &generator)
            let held = heldOutCount(rows.count, testFraction)
            test += order[..<held]
            participants.append(table.rows(order[held...].sorted()))
        }
        guard !test.isEmpty else {
            throw .tooFewRows(
                file: table.file, reason: "no site has enough rows to hold back a \(testFraction) test set")
        }
        return TabularFederation(names: names, participants: participants, test: table.rows(test.sorted()))
    }

    /// The rows held back out of `count`: `fraction` of them rounded, leaving at least one to train on.
    static func heldOutCount(_ count: Int, _ fraction: Double) -> Int {
        min(max(count - 1, 0), Int((Double(count) * fraction).rounded()))
    }

    static func checkFraction(_ fraction: Double, file: String) throws(TabularError) {
        guard fraction > 0, fraction < 1 else {
            throw .tooFewRows(file: file, reason: "the test fraction must be in (0, 1), got \(fraction)")
        }
    }
}
