import ConcordData
import Foundation

/// A node's table (CSV or TSV), read in full before the node connects but checked only against the schema the
/// coordinator sends when it welcomes the node: the label, classes and columns are the run's, never the node's.
public struct NodeTable: Sendable {
    /// The file, as errors name it.
    public let file: String
    /// The file's text.
    public let text: String
    /// The field separator its name implies.
    public let delimiter: Character
    /// The rows after the header (whatever the schema will make of them).
    public let rowCount: Int
    /// The share of the rows kept back for the node's own evaluation.
    public let heldOutFraction: Double
    /// The seed of the shuffle that chooses the held-out rows.
    public let seed: UInt64

    /// Reads `url`.
    ///
    /// - Parameters:
    ///   - heldOutFraction: the share of rows kept back to evaluate the global model on, in [0, 1).
    ///   - seed: the seed choosing them.
    /// - Throws: ``ConcordData/TabularError`` naming the file: unreadable, empty (no header), no row after the
    ///   header, an unterminated quote; too few rows to hold any out when asked to.
    public init(contentsOf url: URL, heldOutFraction: Double = 0, seed: UInt64 = 1) throws(TabularError) {
        file = url.path
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        delimiter = DelimitedText.delimiter(forFileName: url.lastPathComponent)
        let records = try DelimitedText.records(in: text, delimiter: delimiter, file: file)
        guard !records.isEmpty else { throw .emptyFile(file: file) }
        rowCount = records.count - 1
        guard rowCount > 0 else { throw .noRows(file: file) }
        guard heldOutFraction >= 0, heldOutFraction < 1 else {
            throw .tooFewRows(file: file, reason: "the held-out fraction must be in [0, 1), got \(heldOutFraction)")
        }
        if heldOutFraction > 0, TabularTable.heldOutCount(rows: rowCount, fraction: heldOutFraction) == 0 {
            throw .tooFewRows(file: file, reason: "\(rowCount) rows leave none to hold out at \(heldOutFraction)")
        }
        self.heldOutFraction = heldOutFraction
        self.seed = seed
    }

    /// The rows the node declares it may train on: all but the held-out ones.
    public var trainingRowCount: Int {
        rowCount - TabularTable.heldOutCount(rows: rowCount, fraction: heldOutFraction)
    }

    /// The table read against the run's schema, split into training and held-out rows.
    ///
    /// - Throws: ``ConcordData/TabularError`` naming the file, and the row and column of what does not fit.
    public func read(_ schema: TabularSchema) throws(TabularError) -> (training: TabularTable, heldOut: TabularTable?) {
        let table = try TabularTable.parse(text, schema: schema, delimiter: delimiter, file: file)
        return table.holdingOut(fraction: heldOutFraction, seed: seed)
    }
}
