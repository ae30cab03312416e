/// A minimal RFC 4180 reader for comma- or tab-separated text: fields may be quoted with `"`, a quote inside a
/// quoted field is doubled, and a quoted field may span lines. Blank lines are skipped.
public enum DelimitedText {
    /// One record of the file and the 1-based line on which it starts.
    public struct Record: Sendable, Equatable {
        /// The line of the file on which the record starts (the header is usually line 1).
        public var line: Int
        /// The record's fields, unquoted.
        public var fields: [String]
    }

    /// The delimiter a file's name implies: a tab for `.tsv` and `.tab`, a comma otherwise.
    ///
    /// - Parameter fileName: The file's name or path.
    public static func delimiter(forFileName fileName: String) -> Character {
        let lower = fileName.lowercased()
        return lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") ? "\t" : ","
    }

    /// Splits `text` into records.
    ///
    /// - Parameters:
    ///   - text: The whole file.
    ///   - delimiter: The field separator (`,` or a tab).
    ///   - file: The file's name, for errors.
    /// - Returns: The non-blank records in file order.
    /// - Throws: ``TabularError/unterminatedQuote(file:row:)`` when a quoted field runs to the end of the file.
    public static func records(in text: String, delimiter: Character, file: String) throws(TabularError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false, fieldWasQuoted = false
        var line = 1, recordLine = 1
        var characters = text.makeIterator()
        var pending: Character? = nil

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while let character = pending ?? characters.next() {
            pending = nil
            if inQuotes {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty:
                inQuotes = true
                fieldWasQuoted = true
            case delimiter:
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(character)
            }
        }
        if inQuotes { throw .unterminatedQuote(file: file, row: recordLine) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}
