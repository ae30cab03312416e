/// Errors raised while reading a CSV or TSV table against its ``TabularSchema``; each names the file,
/// and the row (1-based line of the file, the header being row 1) and column where there is one.
public enum TabularError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadableFile(file: String, reason: String)
    /// The file is empty or holds only blank lines: there is no header.
    case emptyFile(file: String)
    /// The header lacks a column the schema declares.
    case missingColumn(file: String, column: String, header: [String])
    /// The header names the same column twice.
    case duplicateColumn(file: String, column: String)
    /// A row has a different number of fields than the header.
    case wrongFieldCount(file: String, row: Int, expected: Int, found: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(file: String, row: Int)
    /// A numeric column holds something that is not a finite number.
    case notANumber(file: String, row: Int, column: String, value: String)
    /// A categorical column holds a value outside its declared vocabulary.
    case unknownCategory(file: String, row: Int, column: String, value: String, vocabulary: [String])
    /// The label column holds a value outside the declared classes.
    case unknownLabel(file: String, row: Int, column: String, value: String, classes: [String])
    /// A value is missing and the schema's rule is to reject missing values (labels may never be missing).
    case missingValue(file: String, row: Int, column: String)
    /// The header is there but no row follows it.
    case noRows(file: String)
    /// The schema itself is not usable (no classes, a column declared twice, an empty vocabulary...).
    case invalidSchema(reason: String)
    /// The table has too few rows for what was asked of it (a test set, a row for every participant).
    case tooFewRows(file: String, reason: String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .unreadableFile(let file, let reason):
            return "\(file): cannot read file (\(reason))"
        case .emptyFile(let file):
            return "\(file): the file is empty; a table needs a header row naming its columns"
        case .missingColumn(let file, let column, let header):
            return "\(file): row 1 (header): no column '\(column)', which the schema declares; "
                + "the header has \(header.map { "'\($0)'" }.joined(separator: ", "))"
        case .duplicateColumn(let file, let column):
            return "\(file): row 1 (header): column '\(column)' appears more than once"
        case .wrongFieldCount(let file, let row, let expected, let found):
            return "\(file): row \(row): \(found) fields, but the header has \(expected) columns"
        case .unterminatedQuote(let file, let row):
            return "\(file): row \(row): a quoted field is not closed before the end of the file"
        case .notANumber(let file, let row, let column, let value):
            return "\(file): row \(row), column '\(column)': '\(value)' is not a number"
        case .unknownCategory(let file, let row, let column, let value, let vocabulary):
            return "\(file): row \(row), column '\(column)': '\(value)' is not in the declared vocabulary "
                + "(\(vocabulary.joined(separator: ", ")))"
        case .unknownLabel(let file, let row, let column, let value, let classes):
            return "\(file): row \(row), column '\(column)': label '\(value)' is not one of the declared classes "
                + "(\(classes.joined(separator: ", ")))"
        case .missingValue(let file, let row, let column):
            return "\(file): row \(row), column '\(column)': the value is missing and the schema's missing-value "
                + "rule is 'reject'"
        case .noRows(let file):
            return "\(file): the header is not followed by any row"
        case .invalidSchema(let reason):
            return "invalid table schema: \(reason)"
        case .tooFewRows(let file, let reason):
            return "\(file): too few rows: \(reason)"
        }
    }
}
