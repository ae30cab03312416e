import ConcordTensor
import Foundation

/// A CSV or TSV file read and checked against a ``TabularSchema``, not yet encoded: numeric values as read
/// (nil where missing), categories and labels as indices into the schema's vocabularies.
///
/// Reading checks everything the schema declares (columns present, numbers parse, categories and labels
/// known, missing values allowed), so a node can refuse to join before any training, naming file, row and
/// column. Encoding needs the federation's ``Standardisation``, agreed from every node's ``statistics``.
public struct TabularTable: Sendable {
    /// The schema the table was read against.
    public let schema: TabularSchema
    /// The file's name, as errors name it.
    public let file: String
    /// The numeric features' values, row-major `[rows][numeric features]`; nil where missing.
    public let numeric: [[Double?]]
    /// The categorical features' category indices, row-major `[rows][categorical features]`; nil where missing.
    public let categorical: [[Int?]]
    /// Each row's class index.
    public let labels: [Int32]
    /// Each row's value in the site column the table was read with (which participant holds the row in a
    /// simulation); nil when read without one.
    public let sites: [String]?

    /// The number of rows.
    public var count: Int { labels.count }

    /// Reads a table from a file; the delimiter follows its extension (see ``DelimitedText/delimiter(forFileName:)``).
    ///
    /// - Parameters:
    ///   - url: The CSV or TSV file.
    ///   - schema: The columns the federation declared.
    ///   - siteColumn: A column naming the site each row belongs to (kept in ``sites``), or nil.
    /// - Throws: ``TabularError`` naming the file, and the row and column of a bad value.
    public static func read(
        contentsOf url: URL, schema: TabularSchema, siteColumn: String? = nil
    ) throws(TabularError) -> TabularTable {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        return try parse(
            text, schema: schema, delimiter: DelimitedText.delimiter(forFileName: url.lastPathComponent),
            file: url.path, siteColumn: siteColumn)
    }

    /// Reads a table from text.
    ///
    /// - Parameters:
    ///   - text: The whole file, header first.
    ///   - schema: The columns the federation declared.
    ///   - delimiter: `,` or a tab.
    ///   - file: The file's name, for errors.
    ///   - siteColumn: A column naming the site each row belongs to (kept in ``sites``; never missing), or nil.
    /// - Throws: ``TabularError`` naming the file, and the row and column of a bad value.
    public static func parse(
        _ text: String, schema: TabularSchema, delimiter: Character, file: String, siteColumn: String? = nil
    ) throws(TabularError) -> TabularTable {
        try schema.validate()
        let records = try DelimitedText.records(in: text, delimiter: delimiter, file: file)
        guard let header = records.first else { throw .emptyFile(file: file) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if position.updateValue(index, forKey: name) != nil { throw .duplicateColumn(file: file, column: name) }
        }
        func column(_ name: String) throws(TabularError) -> Int {
            guard let index = position[name] else { throw .missingColumn(file: file, column: name, header: names) }
            return index
        }
        let labelColumn = try column(schema.label)
        let siteIndex: Int?
        if let siteColumn {
            guard siteColumn != schema.label, !schema.features.contains(where: { $0.name == siteColumn }) else {
                throw .invalidSchema(reason: "the site column '\(siteColumn)' is also the label or a feature")
            }
            siteIndex = try column(siteColumn)
        } else {
            siteIndex = nil
        }
        var numericColumns: [Int] = [], categoricalColumns: [(index: Int, feature: TabularSchema.Feature)] = []
        for feature in schema.features {
            let index = try column(feature.name)
            if feature.isNumeric { numericColumns.append(index) } else { categoricalColumns.append((index, feature)) }
        }
        let classIndex = Dictionary(uniqueKeysWithValues: schema.classes.enumerated().map { ($1, Int32($0)) })
        let categoryIndex = categoricalColumns.map { column in
            Dictionary(uniqueKeysWithValues: (column.feature.categories ?? []).enumerated().map { ($1, $0) })
        }
        let missingTokens = Set(schema.missingTokens + [""])

        var numeric: [[Double?]] = [], categorical: [[Int?]] = [], labels: [Int32] = [], sites: [String] = []
        for record in records.dropFirst() {
            let row = record.line
            guard record.fields.count == names.count else {
                throw .wrongFieldCount(file: file, row: row, expected: names.count, found: record.fields.count)
            }
            func value(_ index: Int) throws(TabularError) -> String? {
                let field = record.fields[index].trimmingCharacters(in: .whitespaces)
                guard missingTokens.contains(field) else { return field }
                if schema.missing == .reject { throw .missingValue(file: file, row: row, column: names[index]) }
                return nil
            }
            if let siteIndex {
                let site = record.fields[siteIndex].trimmingCharacters(in: .whitespaces)
                if missingTokens.contains(site) { throw .missingValue(file: file, row: row, column: names[siteIndex]) }
                sites.append(site)
            }
            let labelText = record.fields[labelColumn].trimmingCharacters(in: .whitespaces)
            if missingTokens.contains(labelText) { throw .missingValue(file: file, row: row, column: schema.label) }
            guard let label = classIndex[labelText] else {
                throw .unknownLabel(
                    file: file, row: row, column: schema.label, value: labelText, classes: schema.classes)
            }
            var numbers: [Double?] = []
            numbers.reserveCapacity(numericColumns.count)
            for index in numericColumns {
                guard let text = try value(index) else {
                    numbers.append(nil)
                    continue
                }
                guard let number = Double(text), number.isFinite else {
                    throw .notANumber(file: file, row: row, column: names[index], value: text)
                }
                numbers.append(number)
            }
            var categories: [Int?] = []
            for (slot, column) in categoricalColumns.enumerated() {
                guard let text = try value(column.index) else {
                    categories.append(nil)
                    continue
                }
                guard let category = categoryIndex[slot][text] else {
                    throw .unknownCategory(
                        file: file, row: row, column: column.feature.name, value: text,
                        vocabulary: column.feature.categories ?? [])
                }
                categories.append(category)
            }
            numeric.append(numbers)
            categorical.append(categories)
            labels.append(label)
        }
        guard !labels.isEmpty else { throw .noRows(file: file) }
        return TabularTable(
            schema: schema, file: file, numeric: numeric, categorical: categorical, labels: labels,
            sites: siteIndex == nil ? nil : sites)
    }

    /// The rows at `indices`, in that order, as a table of their own (one participant's share).
    ///
    /// - Precondition: every index is in `0..<count`.
    public func rows(_ indices: some Collection<Int>) -> TabularTable {
        TabularTable(
            schema: schema, file: file, numeric: indices.map { numeric[$0] },
            categorical: indices.map { categorical[$0] }, labels: indices.map { labels[$0] },
            sites: sites.map { sites in indices.map { sites[$0] } })
    }

    /// The tables' rows one after the other (the pooled data of a central baseline).
    ///
    /// - Precondition: `tables` is not empty and all were read against the same schema.
    public static func concatenating(_ tables: [TabularTable]) -> TabularTable {
        TabularTable(
            schema: tables[0].schema, file: tables[0].file, numeric: tables.flatMap(\.numeric),
            categorical: tables.flatMap(\.categorical), labels: tables.flatMap(\.labels),
            sites: tables.allSatisfy { $0.sites != nil } ? tables.flatMap { $0.sites ?? [] } : nil)
    }

    /// The counts, sums and sums of squares of the numeric features: this node's share of the federated pre-round.
    public var statistics: FeatureStatistics {
        var statistics = FeatureStatistics(names: schema.numericNames)
        for row in numeric {
            for (index, value) in row.enumerated() {
                if let value { statistics.add(value, feature: index) }
            }
        }
        return statistics
    }

    /// The table as a dataset of shape `[rows, schema.encodedWidth]`: numeric features standardised (missing ones
    /// become 0, the mean), categorical ones one-hot (missing ones all zero), in the schema's feature order.
    ///
    /// - Parameter standardisation: The federation's agreed means and scales.
    /// - Throws: ``TabularError/invalidSchema(reason:)`` when the standardisation is for other features.
    public func dataset(standardisation: Standardisation) throws(TabularError) -> Dataset {
        guard standardisation.names == schema.numericNames else {
            throw .invalidSchema(
                reason: "the standardisation covers \(standardisation.names), the schema's numeric features are "
                    + "\(schema.numericNames)")
        }
        let width = schema.encodedWidth
        var scalars = [Float](repeating: 0, count: count * width)
        for row in 0..<count {
            var column = row * width, numericSlot = 0, categoricalSlot = 0
            for feature in schema.features {
                if feature.isNumeric {
                    if let value = numeric[row][numericSlot] {
                        let shifted = value - standardisation.means[numericSlot]
                        scalars[column] = Float(shifted / standardisation.scales[numericSlot])
                    }
                    numericSlot += 1
                    column += 1
                } else {
                    if let category = categorical[row][categoricalSlot] { scalars[column + category] = 1 }
                    categoricalSlot += 1
                    column += feature.encodedWidth
                }
            }
        }
        return Dataset(
            features: Tensor(shape: [count, width], scalars: scalars), labels: labels,
            classCount: schema.classes.count)
    }
}
