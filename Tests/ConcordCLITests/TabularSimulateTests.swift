import Foundation
import Testing

/// `concord simulate --data FILE.csv`: the tabular path end to end, and each kind of bad table named by file, row
/// and column.
@Suite("concord simulate on a CSV table")
struct TabularSimulateTests {
    /// The bundled breast cancer table (Tools/make_breast_cancer_csv.py), read from the source tree.
    static let breastCancer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ConcordFederationTests/Resources/breast_cancer.csv")

    static func temporary(_ name: String, _ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-tabular-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func trainsLogisticRegressionBySiteAndReportsAUC() async throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("concord-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: report) }
        let result = try await Concord.run([
            "simulate", "--data", Self.breastCancer.path, "--label", "diagnosis", "--site-column", "site",
            "--model", "logreg", "--fraction", "1", "--rounds", "8", "--batch-size", "16", "--lr", "0.05",
            "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("participants hospital_a, hospital_b, hospital_c"), "\(result.stdout)")
        #expect(result.stdout.contains("30 features → 30 inputs"))
        #expect(result.stdout.contains("AUC 0.9"), "\(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect((json["final_test_accuracy"] as? Double ?? 0) > 0.9)
        let rounds = try #require(json["rounds"] as? [[String: Any]])
        #expect((rounds.last?["test_auc"] as? Double ?? 0) > 0.95, "\(rounds.last ?? [:])")
        #expect(rounds.last?["test_precision"] is Double && rounds.last?["test_recall"] is Double)
    }

    @Test func trainsADescribedModelWithCategoriesAndAPartition() async throws {
        let model = try Self.temporary(
            "model.yaml",
            "layers:\n  - {type: dense, units: 8}\n  - {type: relu}\n  - {type: dense}\nloss: binary_cross_entropy\n")
        var rows = ["x,colour,y"]
        for i in 0..<60 {
            rows.append("\(Double(i % 10) / 3),\(["red", "green", "blue"][i % 3]),\(i % 10 < 5 ? "lo" : "hi")")
        }
        let table = try Self.temporary("t.csv", rows.joined(separator: "\n") + "\n")
        let result = try await Concord.run([
            "simulate", "--data", table.path, "--label", "y", "--classes", "lo,hi",
            "--categorical", "colour=red,green,blue", "--clients", "3", "--partition", "iid", "--model", model.path,
            "--fraction", "1", "--rounds", "3", "--lr", "0.1",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("2 features → 4 inputs"), "\(result.stdout)")
        #expect(result.stdout.contains("AUC"))
    }

    @Test(arguments: [
        ("", ["--label", "y"], "the file is empty"),
        ("x,y\n1,a\n", ["--label", "label"], "no column 'label'"),
        ("x,y\n1,a\nfoo,b\n", ["--label", "y"], "row 3, column 'x': 'foo' is not a number"),
        (
            "x,c,y\n1,p,a\n2,r,b\n", ["--label", "y", "--categorical", "c=p,q"],
            "row 3, column 'c': 'r' is not in the declared vocabulary (p, q)"
        ),
        (
            "x,y\n1,a\n2,c\n", ["--label", "y", "--classes", "a,b"],
            "row 3, column 'y': label 'c' is not one of the declared classes"
        ),
        ("x,y\n1,a\n,b\n", ["--label", "y"], "row 3, column 'x': the value is missing"),
    ])
    func badTablesAreNamedByFileRowAndColumn(text: String, flags: [String], message: String) async throws {
        let table = try Self.temporary("site.csv", text)
        defer { try? FileManager.default.removeItem(at: table.deletingLastPathComponent()) }
        let result = try await Concord.run(
            ["simulate", "--data", table.path, "--model", "logreg", "--clients", "1", "--rounds", "1"] + flags)
        #expect(result.status != 0)
        #expect(result.stderr.contains(table.path), "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func aSchemaFileDeclaresTheColumnsAndImputes() async throws {
        let schema = try Self.temporary(
            "schema.yaml",
            "label: y\nclasses: [a, b]\nfeatures:\n  - {name: x}\n  - {name: c, categories: [p, q]}\nmissing: impute\n")
        var rows = ["x,c,y,extra"]
        for i in 0..<40 {
            rows.append("\(i % 7 == 0 ? "" : "\(i % 4)"),\(i % 2 == 0 ? "p" : "NA"),\(i % 4 < 2 ? "a" : "b"),z")
        }
        let table = try Self.temporary("t.tsv", rows.joined(separator: "\n").replacingOccurrences(of: ",", with: "\t"))
        let result = try await Concord.run([
            "simulate", "--data", table.path, "--schema", schema.path, "--clients", "2", "--model", "logreg",
            "--rounds", "2", "--fraction", "1",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("2 features → 3 inputs"), "\(result.stdout)")
        let conflicting = try await Concord.run([
            "simulate", "--data", table.path, "--schema", schema.path, "--label", "y",
        ])
        #expect(conflicting.status != 0 && conflicting.stderr.contains("either --schema"))
        let bySiteAndClients = try await Concord.run([
            "simulate", "--data", table.path, "--schema", schema.path, "--site-column", "extra", "--clients", "2",
        ])
        #expect(bySiteAndClients.status != 0 && bySiteAndClients.stderr.contains("one participant per site"))
    }
}
