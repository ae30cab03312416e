import ConcordData
import Foundation
import SwiftProtobuf
import Testing

@testable import ConcordWire

/// The tabular messages over the wire: the schema a welcome carries, the pre-round's statistics and the agreed
/// standardisation, each bounded and checked as a hostile peer's would be.
@Suite("Tabular wire messages")
struct TabularWireTests {
    static let schema = TabularSchema(
        label: "diagnosis", classes: ["benign", "malignant"],
        features: [.numeric("radius"), .categorical("site", categories: ["a", "b"]), .numeric("area")],
        missing: .impute, missingTokens: ["NA", "?"])

    static func moments(
        _ name: String, _ count: UInt64, _ sum: Double, _ squares: Double
    )
        -> Concord_V1_FeatureMoments
    {
        var moments = Concord_V1_FeatureMoments()
        moments.name = name
        moments.count = count
        moments.sum = sum
        moments.sumOfSquares = squares
        return moments
    }

    @Test func theSchemaRoundTrips() throws {
        let message = WireConversion.tableSchema(Self.schema)
        let decoded = try WireConversion.tableSchema(
            Concord_V1_TableSchema(serializedBytes: try message.serializedBytes() as [UInt8]))
        #expect(decoded == Self.schema)
    }

    @Test func aSchemaBeyondItsBoundsOrUnusableIsRefused() {
        var many = WireConversion.tableSchema(Self.schema)
        many.features = (0...WireConversion.maxFeatures).map { index in
            var feature = Concord_V1_TableFeature()
            feature.name = "f\(index)"
            return feature
        }
        #expect(throws: WireError.self) { try WireConversion.tableSchema(many) }
        var long = WireConversion.tableSchema(Self.schema)
        long.classes = ["benign", String(repeating: "x", count: WireConversion.maxNameBytes + 1)]
        #expect(throws: WireError.self) { try WireConversion.tableSchema(long) }
        var numericWithCategories = WireConversion.tableSchema(Self.schema)
        numericWithCategories.features[0].categories = ["a"]
        #expect(throws: WireError.self) { try WireConversion.tableSchema(numericWithCategories) }
        var oneClass = WireConversion.tableSchema(Self.schema)
        oneClass.classes = ["benign"]
        #expect(throws: WireError.self) { try WireConversion.tableSchema(oneClass) }
    }

    @Test func honestStatisticsAreRead() throws {
        var reply = Concord_V1_StatisticsReply()
        reply.features = [Self.moments("radius", 3, 6, 14), Self.moments("area", 0, 0, 0)]
        let statistics = try WireConversion.statistics(reply, features: ["radius", "area"], declaredExamples: 3)
        #expect(statistics.counts == [3, 0] && statistics.sums == [6, 0] && statistics.sumsOfSquares == [14, 0])
        // What the node sends is what it computed.
        var table = FeatureStatistics(names: ["radius"])
        for value in [1.0, 2, 3] { table.add(value, feature: 0) }
        let back = try WireConversion.statistics(
            WireConversion.statisticsReply(table), features: ["radius"], declaredExamples: 3)
        #expect(back == table)
    }

    /// Each reply a hostile node could send to poison the federation's means and scales.
    @Test(arguments: [
        ("NaN sum", Self.moments("radius", 3, .nan, 14)),
        ("infinite sum of squares", Self.moments("radius", 3, 6, .infinity)),
        ("negative sum of squares", Self.moments("radius", 3, 6, -1)),
        ("more values than rows declared", Self.moments("radius", 4, 6, 14)),
        ("a sum no values of that sum of squares have", Self.moments("radius", 3, 600, 14)),
        ("a sum over no values", Self.moments("radius", 0, 5, 25)),
        ("another feature", Self.moments("height", 3, 6, 14)),
    ])
    func impossibleStatisticsAreRefused(_ what: String, _ moments: Concord_V1_FeatureMoments) {
        var reply = Concord_V1_StatisticsReply()
        reply.features = [moments]
        #expect(throws: WireError.self, "\(what)") {
            try WireConversion.statistics(reply, features: ["radius"], declaredExamples: 3)
        }
    }

    @Test func missingOrExtraFeaturesAreRefused() {
        var reply = Concord_V1_StatisticsReply()
        reply.features = [Self.moments("radius", 3, 6, 14)]
        #expect(throws: WireError.self) {
            try WireConversion.statistics(reply, features: ["radius", "area"], declaredExamples: 3)
        }
        reply.features.append(Self.moments("area", 3, 6, 14))
        #expect(throws: WireError.self) {
            try WireConversion.statistics(reply, features: ["radius"], declaredExamples: 3)
        }
    }

    @Test func aStandardisationMustCoverTheNumericFeaturesWithPositiveScales() throws {
        let good = Standardisation(names: ["radius", "area"], means: [1, 2], scales: [0.5, 3])
        #expect(
            try WireConversion.standardisation(WireConversion.standardisation(good), for: ["radius", "area"]) == good)
        for bad in [
            Standardisation(names: ["radius", "area"], means: [1, .nan], scales: [0.5, 3]),
            Standardisation(names: ["radius", "area"], means: [1, 2], scales: [0, 3]),
            Standardisation(names: ["radius", "area"], means: [1, 2], scales: [0.5, -.infinity]),
            Standardisation(names: ["radius"], means: [1], scales: [0.5]),
        ] {
            #expect(throws: WireError.self) {
                try WireConversion.standardisation(WireConversion.standardisation(bad), for: ["radius", "area"])
            }
        }
    }

    @Test func evaluationMetricsOutOfRangeAreRefused() throws {
        var reply = Concord_V1_EvaluateReply()
        reply.metrics = ["auc": 0.9, "precision": 1, "recall": 0]
        #expect(try WireConversion.evaluationMetrics(reply) == reply.metrics)
        for bad in [["auc": 1.5], ["recall": .nan], ["loss_of_someone_else": 0.5]] {
            reply.metrics = bad
            #expect(throws: WireError.self) { try WireConversion.evaluationMetrics(reply) }
        }
    }
}

/// A node's table: read before it connects, checked against the schema its welcome brings.
@Suite("A node's table")
struct NodeTableTests {
    static func file(_ name: String, _ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-node-table-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let schema = TabularSchema(
        label: "y", classes: ["no", "yes"], features: [.numeric("x"), .categorical("c", categories: ["a", "b"])])

    @Test func declaresItsTrainingRowsAndHoldsOutASeededShare() throws {
        let rows = (0..<10).map { "\($0),\($0 % 2 == 0 ? "a" : "b"),\($0 < 5 ? "no" : "yes")" }
        let url = try Self.file("site.csv", "x,c,y\n" + rows.joined(separator: "\n") + "\n")
        let table = try NodeTable(contentsOf: url, heldOutFraction: 0.2, seed: 4)
        #expect(table.rowCount == 10 && table.trainingRowCount == 8)
        let (training, heldOut) = try table.read(Self.schema)
        #expect(training.count == 8 && heldOut?.count == 2)
        let again = try NodeTable(contentsOf: url, heldOutFraction: 0.2, seed: 4).read(Self.schema)
        #expect(again.training.numeric == training.numeric, "the split is the seed's, every time")
        #expect(try NodeTable(contentsOf: url).read(Self.schema).heldOut == nil)
    }

    /// Each bad table a node can hold: the error names the file, and the row and column where there is one.
    @Test(arguments: [
        ("missing.csv", "x,y\n1,no\n", "no column 'c'"),
        ("number.csv", "x,c,y\n1,a,no\nabc,b,yes\n", "row 3, column 'x': 'abc' is not a number"),
        ("category.csv", "x,c,y\n1,z,no\n", "row 2, column 'c'"),
        ("label.tsv", "x\tc\ty\n1\ta\tmaybe\n", "row 2, column 'y'"),
    ])
    func aTableThatDoesNotFitIsNamed(_ name: String, _ text: String, _ expected: String) throws {
        let url = try Self.file(name, text)
        let table = try NodeTable(contentsOf: url)
        do {
            _ = try table.read(Self.schema)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(url.path), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test func anEmptyFileIsRefusedBeforeConnecting() throws {
        let url = try Self.file("empty.csv", "")
        #expect(throws: TabularError.emptyFile(file: url.path)) { try NodeTable(contentsOf: url) }
        let header = try Self.file("header.csv", "x,c,y\n")
        #expect(throws: TabularError.noRows(file: header.path)) { try NodeTable(contentsOf: header) }
    }
}
