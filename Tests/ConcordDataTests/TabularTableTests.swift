import Foundation
import Testing

@testable import ConcordData

/// A schema with two numeric features, one categorical feature and a two-class label.
private let schema = TabularSchema(
    label: "diagnosis", classes: ["benign", "malignant"],
    features: [.numeric("radius"), .categorical("site", categories: ["a", "b", "c"]), .numeric("texture")])

private func table(
    _ text: String, _ schema: TabularSchema = schema, file: String = "site1.csv"
)
    throws(TabularError) -> TabularTable
{
    try TabularTable.parse(text, schema: schema, delimiter: ",", file: file)
}

@Suite("Tabular CSV/TSV against a schema")
struct TabularTableTests {
    @Test("one-hot categories, standardised numbers, columns in schema order whatever the file's order")
    func encodes() throws {
        let text = "texture,diagnosis,site,radius,ignored\n1,benign,b,10,x\n3,malignant,c,20,y\n"
        let read = try table(text)
        #expect(read.count == 2)
        let stats = read.statistics
        #expect(stats.names == ["radius", "texture"])
        #expect(stats.counts == [2, 2])
        #expect(stats.sums == [30, 4])
        let dataset = try read.dataset(standardisation: stats.standardisation)
        #expect(dataset.features.shape == [2, 5])
        #expect(dataset.features.scalars == [-1, 0, 1, 0, -1, 1, 0, 0, 1, 1])
        #expect(dataset.labels == [0, 1])
        #expect(schema.encodedNames == ["radius", "site=a", "site=b", "site=c", "texture"])
    }

    @Test("TSV by extension, quoted fields with delimiters, doubled quotes and CRLF line ends")
    func tsvAndQuotes() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("concord-\(UUID()).tsv")
        defer { try? FileManager.default.removeItem(at: url) }
        try "radius\tsite\ttexture\tdiagnosis\r\n1.5\t\"a\"\t2\tbenign\r\n".write(
            to: url, atomically: true, encoding: .utf8)
        let read = try TabularTable.read(contentsOf: url, schema: schema)
        #expect(read.numeric == [[1.5, 2]])
        #expect(read.categorical == [[0]])
        let records = try DelimitedText.records(in: "x,y\n\"1,5\",\"say \"\"hi\"\"\"\n", delimiter: ",", file: "f")
        #expect(records == [.init(line: 1, fields: ["x", "y"]), .init(line: 2, fields: ["1,5", "say \"hi\""])])
    }

    @Test("statistics merged across sites equal the pooled table's, so standardisation needs no pooling")
    func federatedStatistics() throws {
        let header = "radius,site,texture,diagnosis\n"
        let rows = ["1,a,4,benign", "2,b,5,malignant", "7,c,1,benign", "4,a,9,malignant", "5,b,2,benign"]
        let siteA = try table(header + rows[0..<2].joined(separator: "\n"))
        let siteB = try table(header + rows[2...].joined(separator: "\n"))
        let pooled = try table(header + rows.joined(separator: "\n"))
        let merged = try siteA.statistics.merged(with: siteB.statistics)
        #expect(merged == pooled.statistics)
        let standardisation = merged.standardisation
        #expect(abs(standardisation.means[0] - 3.8) < 1e-12)
        #expect(abs(standardisation.scales[0] - (22.8 / 5).squareRoot()) < 1e-12)
        #expect(throws: TabularError.self) { try merged.merged(with: FeatureStatistics(names: ["other"])) }
    }

    @Test("missing values: rejected with row and column, or imputed to the mean and an all-zero one-hot")
    func missingValues() throws {
        let text = "radius,site,texture,diagnosis\n1,a,4,benign\n,NA,6,malignant\n3,b,NA,benign\n"
        #expect(throws: TabularError.missingValue(file: "site1.csv", row: 3, column: "radius")) { try table(text) }
        var imputing = schema
        imputing.missing = .impute
        let imputed = try table(text, imputing)
        #expect(imputed.statistics.counts == [2, 2])
        let dataset = try imputed.dataset(standardisation: imputed.statistics.standardisation)
        #expect(Array(dataset.features.scalars[5..<10]) == [0, 0, 0, 0, 1])
        #expect(throws: TabularError.missingValue(file: "site1.csv", row: 2, column: "diagnosis")) {
            try TabularTable.parse(
                "radius,site,texture,diagnosis\n1,a,4,\n", schema: imputing, delimiter: ",", file: "site1.csv")
        }
    }

    @Test("each bad input is an error naming the file, row and column")
    func badInput() {
        let header = "radius,site,texture,diagnosis\n"
        let cases: [(String, TabularError, String)] = [
            ("", .emptyFile(file: "site1.csv"), "site1.csv: the file is empty"),
            ("\n\n", .emptyFile(file: "site1.csv"), "empty"),
            (header, .noRows(file: "site1.csv"), "not followed by any row"),
            (
                "radius,site,diagnosis\n1,a,benign\n",
                .missingColumn(file: "site1.csv", column: "texture", header: ["radius", "site", "diagnosis"]),
                "no column 'texture'"
            ),
            (
                header + "1,a,4,benign\n1,a,four,benign\n",
                .notANumber(file: "site1.csv", row: 3, column: "texture", value: "four"),
                "site1.csv: row 3, column 'texture': 'four' is not a number"
            ),
            (
                header + "1,d,4,benign\n",
                .unknownCategory(file: "site1.csv", row: 2, column: "site", value: "d", vocabulary: ["a", "b", "c"]),
                "row 2, column 'site': 'd' is not in the declared vocabulary"
            ),
            (
                header + "1,a,4,unsure\n",
                .unknownLabel(
                    file: "site1.csv", row: 2, column: "diagnosis", value: "unsure", classes: ["benign", "malignant"]),
                "label 'unsure' is not one of the declared classes"
            ),
            (header + "1,a,4\n", .wrongFieldCount(file: "site1.csv", row: 2, expected: 4, found: 3), "3 fields"),
            (header + "1,\"a,4,benign\n", .unterminatedQuote(file: "site1.csv", row: 2), "not closed"),
            ("radius,radius\n1,2\n", .duplicateColumn(file: "site1.csv", column: "radius"), "more than once"),
            (
                header + "inf,a,4,benign\n", .notANumber(file: "site1.csv", row: 2, column: "radius", value: "inf"),
                "inf"
            ),
        ]
        for (text, expected, message) in cases {
            #expect(throws: expected) { try table(text) }
            #expect(expected.description.contains(message))
        }
    }

    @Test("an unreadable file and an unusable schema are errors, not traps")
    func unreadableAndInvalidSchema() {
        let missing = URL(fileURLWithPath: "/nonexistent/concord/site.csv")
        #expect(throws: TabularError.self) { try TabularTable.read(contentsOf: missing, schema: schema) }
        let oneClass = TabularSchema(label: "y", classes: ["only"], features: [.numeric("x")])
        #expect(throws: TabularError.invalidSchema(reason: "the label 'y' needs at least two classes")) {
            try table("x,y\n1,only\n", oneClass)
        }
        let twice = TabularSchema(label: "y", classes: ["a", "b"], features: [.numeric("x"), .numeric("x")])
        #expect(throws: TabularError.self) { try table("x,y\n1,a\n", twice) }
    }
}
