import ArgumentParser
import ConcordData
import ConcordGovernance
import ConcordPlan
import Foundation
import Yams

/// The options of a `--data FILE.csv` (or .tsv) run: which column is the label, which are categorical, how
/// missing values are handled, and how rows are divided among participants.
struct TabularOptions: ParsableArguments {
    @Option(help: "The label column of a --data CSV/TSV file (or give --schema).")
    var label: String?

    @Option(help: "The label's classes in class-index order, comma-separated (default: the values found, sorted).")
    var classes: String?

    @Option(
        help: ArgumentHelp(
            "A categorical column and its vocabulary in one-hot order, COLUMN=A,B,C (repeatable); "
                + "the other columns are numeric.", valueName: "column=values"))
    var categorical: [String] = []

    @Option(help: "Columns of the file to leave out, comma-separated.")
    var ignore: String?

    @Option(
        help: ArgumentHelp(
            "A schema file (YAML or JSON: label, classes, features [{name, categories}], missing, missing_tokens) "
                + "instead of --label, --classes, --categorical and --missing.", valueName: "path"))
    var schema: String?

    @Option(help: "What to do with a missing value (an empty field or NA): reject (the default) or impute.")
    var missing: String?

    @Option(help: "A column naming each row's site: one participant per site (instead of --clients/--partition).")
    var siteColumn: String?

    @Option(
        help:
            "The share of each participant's rows held out for the coordinator's test set (of a --data image folder's images, without --test-data)."
    )
    var testFraction = 0.2

    /// Whether `path` names a table (`.csv`, `.tsv`, `.tab`) rather than a directory of IDX files.
    static func isTable(_ path: String?) -> Bool {
        guard let path else { return false }
        return [".csv", ".tsv", ".tab"].contains { path.lowercased().hasSuffix($0) }
    }

    /// Whether any option of the group was given.
    var customised: Bool {
        label != nil || classes != nil || !categorical.isEmpty || ignore != nil || schema != nil || missing != nil
            || siteColumn != nil
    }

    func validate() throws {
        guard testFraction > 0, testFraction < 1 else { throw ValidationError("--test-fraction must be in (0, 1)") }
        if let missing, MissingValueRule(rawValue: missing) == nil {
            throw ValidationError("--missing must be reject or impute, got '\(missing)'")
        }
        if schema != nil, label != nil || classes != nil || !categorical.isEmpty || missing != nil {
            throw ValidationError("give either --schema or --label/--classes/--categorical/--missing, not both")
        }
    }

    /// Reads the table at `path` against the declared schema (or one made from the flags and the header).
    ///
    /// - Throws: ``ConcordData/TabularError`` naming the file, row and column; `ValidationError` for flags that
    ///   do not describe a schema.
    func read(_ path: String) throws -> TabularTable {
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TabularError.unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        let delimiter = DelimitedText.delimiter(forFileName: url.lastPathComponent)
        let schema = try self.schema.map(Self.readSchema) ?? inferredSchema(text, delimiter: delimiter, file: url.path)
        return try TabularTable.parse(
            text, schema: schema, delimiter: delimiter, file: url.path, siteColumn: siteColumn)
    }

    /// The schema the flags declare: every column but the label, the site column and the ignored ones is a
    /// feature, numeric unless `--categorical` names it.
    func inferredSchema(_ text: String, delimiter: Character, file: String) throws -> TabularSchema {
        guard let label else { throw ValidationError("a --data table needs --label COLUMN or --schema FILE") }
        let records = try DelimitedText.records(in: text, delimiter: delimiter, file: file)
        guard let header = records.first else { throw TabularError.emptyFile(file: file) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let labelIndex = names.firstIndex(of: label) else {
            throw TabularError.missingColumn(file: file, column: label, header: names)
        }
        var vocabularies: [String: [String]] = [:]
        for declaration in categorical {
            let parts = declaration.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--categorical takes COLUMN=A,B,C, got '\(declaration)'")
            }
            let column = String(parts[0])
            guard names.contains(column) else {
                throw TabularError.missingColumn(file: file, column: column, header: names)
            }
            vocabularies[column] = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let ignored = Set((ignore ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        for column in ignored where !names.contains(column) {
            throw TabularError.missingColumn(file: file, column: column, header: names)
        }
        let features = names.filter { $0 != label && $0 != siteColumn && !ignored.contains($0) }.map { name in
            vocabularies[name].map { TabularSchema.Feature.categorical(name, categories: $0) } ?? .numeric(name)
        }
        let classes: [String]
        if let declared = self.classes {
            classes = declared.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            // The values found; a value outside them cannot occur, so a typo shows up as an extra class.
            let found = records.dropFirst().compactMap { record in
                labelIndex < record.fields.count ? record.fields[labelIndex].trimmingCharacters(in: .whitespaces) : nil
            }
            classes = Set(found.filter { !$0.isEmpty && $0 != "NA" }).sorted()
        }
        return TabularSchema(
            label: label, classes: classes, features: features,
            missing: missing.flatMap(MissingValueRule.init(rawValue:)) ?? .reject)
    }

    /// A schema file, YAML or JSON, checked against alias bombs before it is decoded.
    static func readSchema(_ path: String) throws -> TabularSchema {
        let text: String
        do {
            text = try String(contentsOfFile: (path as NSString).expandingTildeInPath, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read the schema file \(path): \(error.localizedDescription)")
        }
        do {
            try YAMLGuard.check(text)
            let file = try YAMLDecoder().decode(SchemaFile.self, from: text)
            guard let missing = MissingValueRule(rawValue: file.missing ?? "reject") else {
                throw ValidationError("\(path): missing must be reject or impute, got '\(file.missing ?? "")'")
            }
            return TabularSchema(
                label: file.label, classes: file.classes,
                features: file.features.map { feature in
                    feature.categories.map { TabularSchema.Feature.categorical(feature.name, categories: $0) }
                        ?? .numeric(feature.name)
                }, missing: missing,
                missingTokens: file.missingTokens ?? ["NA"])
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(path): not a table schema: \(error)")
        }
    }

    /// A schema file's fields, snake_case, with defaults.
    private struct SchemaFile: Decodable {
        struct Feature: Decodable {
            var name: String
            var categories: [String]?
        }
        var label: String
        var classes: [String]
        var features: [Feature]
        var missing: String?
        var missingTokens: [String]?

        enum CodingKeys: String, CodingKey {
            case label, classes, features, missing
            case missingTokens = "missing_tokens"
        }
    }
}
