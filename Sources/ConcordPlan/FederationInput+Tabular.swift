import ConcordData
import ConcordFederation
import Foundation

extension FederationInput {
    /// A CSV or TSV table as a simulated federation: its rows divided among participants by `siteColumn` (one
    /// participant per site) or, without one, by `partition` among `clients`; each participant holds back
    /// `testFraction` of its rows for the coordinator's test set. Numeric columns are standardised with the means and
    /// standard deviations of the federated pre-round (``StandardisationRound``), never by pooling rows.
    ///
    /// - Parameters:
    ///   - table: the table, read against the federation's schema (with its site column, when there is one).
    ///   - bySite: whether to divide the rows by the table's site column.
    ///   - clients: the number of participants of a partition (default 3).
    ///   - partition: iid, shards, shards:K or dirichlet:ALPHA, when not by site.
    ///   - testFraction: the share of each participant's rows held out, in (0, 1).
    ///   - seed: the seed of the held-out rows and of the partition.
    /// - Returns: the federation's input and the tabular federation it was made from (its participants' names).
    /// - Throws: ``ConcordData/TabularError`` naming the file for too few rows or a bad pre-round; the partitioner's
    ///   errors.
    public static func tabular(
        _ table: TabularTable, bySite: Bool, clients: Int?, partition: String, testFraction: Double, seed: UInt64
    ) throws -> (input: FederationInput, federation: TabularFederation) {
        let federation: TabularFederation
        let partitionName: String
        if bySite {
            federation = try TabularFederation.bySite(table, testFraction: testFraction, seed: seed)
            partitionName = "by site"
        } else {
            let scheme = try PartitionScheme(parsing: partition)
            federation = try TabularFederation.partitioned(
                table, clients: clients ?? 3, scheme: scheme, testFraction: testFraction, seed: seed)
            partitionName = scheme.description
        }
        let standardisation = try federation.agreeStandardisation()
        let (participants, test) = try federation.encoded(with: standardisation)
        let input = FederationInput(
            participants: ParticipantDatasets(participants), test: test, name: table.file, partitionName: partitionName)
        return (input, federation)
    }
}
