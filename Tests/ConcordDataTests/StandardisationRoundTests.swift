import Foundation
import Testing

@testable import ConcordData

private let schema = TabularSchema(
    label: "y", classes: ["no", "yes"],
    features: [.numeric("a"), .categorical("c", categories: ["p", "q"]), .numeric("b")])

private let text = """
    a,c,b,y,site
    1,p,10,no,north
    2,q,20,yes,north
    3,p,30,no,south
    4,q,40,yes,south
    5,p,50,no,south
    6,q,60,yes,east
    7,p,70,no,east
    8,q,80,yes,east
    9,p,90,no,east
    10,q,100,yes,east
    """

@Suite("Federated standardisation and tabular federations")
struct StandardisationRoundTests {
    @Test("the pre-round's standardisation equals the pooled rows', and its messages round-trip as JSON")
    func preRoundMatchesPooling() throws {
        let table = try TabularTable.parse(text, schema: schema, delimiter: ",", file: "t.csv", siteColumn: "site")
        #expect(table.sites?.first == "north")
        let federation = try TabularFederation.bySite(table, testFraction: 0.25, seed: 3)
        #expect(federation.names == ["east", "north", "south"])
        #expect(federation.participants.map(\.count) == [4, 1, 2])
        #expect(federation.test.count == 3)
        let agreed = try federation.agreeStandardisation()
        let pooled = TabularTable.concatenating(federation.participants).statistics.standardisation
        for i in 0..<2 {
            #expect(abs(agreed.means[i] - pooled.means[i]) < 1e-12)
            #expect(abs(agreed.scales[i] - pooled.scales[i]) < 1e-12)
        }
        // The held-out rows never enter the statistics.
        let all = table.statistics
        #expect(all.counts[0] == 10)
        #expect(
            try StandardisationRound.combine(
                federation.participants.enumerated().map {
                    try StandardisationRound.report(participant: $0, table: $1, request: .init(schema: schema))
                }, request: .init(schema: schema)
            ).total.counts == [7, 7])
        // What a node would send over the wire.
        let report = try StandardisationRound.report(
            participant: 0, table: federation.participants[0], request: .init(schema: schema))
        let decoded = try JSONDecoder().decode(
            StandardisationRound.Report.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
        let (datasets, test) = try federation.encoded(with: agreed)
        #expect(datasets.map(\.count) == [4, 1, 2])
        #expect(test.features.shape == [3, 4])
    }

    @Test("a hostile or mistaken report is refused, naming the participant")
    func refusesBadReports() throws {
        let request = StandardisationRound.Request(features: ["a"])
        var good = FeatureStatistics(names: ["a"])
        good.add(2, feature: 0)
        var negative = good
        negative.counts = [-1]
        var nan = good
        nan.sums = [.nan]
        let cases: [([StandardisationRound.Report], String)] = [
            ([], "no participant"),
            ([.init(participant: 0, statistics: FeatureStatistics(names: ["b"]))], "participant 0 reported statistics"),
            ([.init(participant: 1, statistics: negative)], "participant 1 reported impossible"),
            ([.init(participant: 2, statistics: nan)], "impossible"),
            ([.init(participant: 3, statistics: good), .init(participant: 3, statistics: good)], "twice"),
        ]
        for (reports, message) in cases {
            #expect {
                try StandardisationRound.combine(reports, request: request)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
        let table = try TabularTable.parse(text, schema: schema, delimiter: ",", file: "t.csv")
        #expect(throws: TabularError.self) {
            try StandardisationRound.report(participant: 0, table: table, request: request)
        }
        #expect(throws: TabularError.self) { try TabularFederation.bySite(table, testFraction: 0.2, seed: 1) }
    }

    @Test("a partitioned federation holds out a seeded test set and gives every participant rows")
    func partitioned() throws {
        let table = try TabularTable.parse(text, schema: schema, delimiter: ",", file: "t.csv")
        let federation = try TabularFederation.partitioned(table, clients: 2, scheme: .iid, testFraction: 0.2, seed: 5)
        #expect(federation.test.count == 2)
        #expect(federation.participants.map(\.count) == [4, 4])
        let again = try TabularFederation.partitioned(table, clients: 2, scheme: .iid, testFraction: 0.2, seed: 5)
        #expect(again.test.labels == federation.test.labels && again.test.numeric == federation.test.numeric)
        #expect(throws: TabularError.self) {
            try TabularFederation.partitioned(table, clients: 2, scheme: .iid, testFraction: 1, seed: 5)
        }
        #expect(throws: (any Error).self) {
            try TabularFederation.partitioned(table, clients: 9, scheme: .iid, testFraction: 0.2, seed: 5)
        }
    }
}
