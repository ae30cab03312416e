extension Safetensors {
    /// One validated tensor entry of a header: dtype, shape and data region agree.
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var elementCount: Int
        /// Data region relative to the start of the data buffer.
        var begin: Int
        var end: Int
    }

    /// A parsed header: tensor entries in file order plus the free-form metadata.
    struct Header {
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
    }

    /// The key under which a header stores its string-to-string metadata.
    static let metadataKey = "__metadata__"

    /// Orders names by their UTF-8 bytes, so files do not depend on Unicode collation details.
    static func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    // MARK: Reading

    static func parseHeader(_ bytes: ArraySlice<UInt8>) throws(SafetensorsError) -> Header {
        guard isValidUTF8(bytes) else { throw .headerNotUTF8 }
        guard case .object(let members) = try JSONParser.parse(bytes) else { throw .headerNotObject }
        var header = Header()
        var seen = Set<String>()
        for member in members {
            let (key, value) = (member.key, member.value)
            guard seen.insert(key).inserted else { throw .duplicateName(key) }
            if key == metadataKey {
                header.metadata = try parseMetadata(value)
            } else {
                header.entries.append(try parseEntry(named: key, value))
            }
        }
        return header
    }

    private static func parseMetadata(_ value: JSON) throws(SafetensorsError) -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let members) = value else { throw .metadataNotObject }
        var metadata: [String: String] = [:]
        for member in members {
            let (key, value) = (member.key, member.value)
            guard case .string(let text) = value else { throw .metadataValueNotString(key: key) }
            guard metadata.updateValue(text, forKey: key) == nil else { throw .duplicateName("\(metadataKey).\(key)") }
        }
        return metadata
    }

    private static func parseEntry(named name: String, _ value: JSON) throws(SafetensorsError) -> Entry {
        guard case .object(let fields) = value else { throw .entryNotObject(tensor: name) }
        func field(_ key: String) throws(SafetensorsError) -> JSON {
            let matches = fields.filter { $0.key == key }
            guard let match = matches.first else { throw .missingField(tensor: name, field: key) }
            guard matches.count == 1 else {
                throw .invalidField(tensor: name, field: key, reason: "appears more than once")
            }
            return match.value
        }

        guard case .string(let dtypeName) = try field("dtype") else {
            throw .invalidField(tensor: name, field: "dtype", reason: "expected a string such as \"F32\"")
        }
        guard case .array(let dims) = try field("shape") else {
            throw .invalidField(tensor: name, field: "shape", reason: "expected an array of non-negative integers")
        }
        var shape: [Int] = []
        for dim in dims {
            guard let extent = nonNegativeInteger(dim) else {
                throw .invalidField(
                    tensor: name, field: "shape", reason: "\(describe(dim)) is not a non-negative integer")
            }
            shape.append(extent)
        }
        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2 else {
            throw .invalidField(tensor: name, field: "data_offsets", reason: "expected [begin, end]")
        }
        guard let begin = nonNegativeInteger(offsets[0]), let end = nonNegativeInteger(offsets[1]) else {
            throw .invalidField(
                tensor: name, field: "data_offsets",
                reason: "\(describe(offsets[0])), \(describe(offsets[1])) are not both non-negative integers")
        }
        guard begin <= end else {
            throw .invalidField(tensor: name, field: "data_offsets", reason: "begin \(begin) is after end \(end)")
        }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unsupportedDType(tensor: name, dtype: dtypeName) }

        var elementCount = 1
        for extent in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw .shapeOverflow(tensor: name, shape: shape) }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw .shapeOverflow(tensor: name, shape: shape) }
        guard byteCount == end - begin else {
            throw .byteCountMismatch(
                tensor: name, dtype: dtypeName, shape: shape, expected: byteCount, actual: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, elementCount: elementCount, begin: begin, end: end)
    }

    private static func nonNegativeInteger(_ value: JSON) -> Int? {
        // Anything but plain digits (even "-0", which the reference reads as a float) is rejected.
        guard case .integer(let integer) = value else { return nil }
        return integer
    }

    private static func describe(_ value: JSON) -> String {
        switch value {
        case .integer(let integer): "\(integer)"
        case .number(let text): text
        case .string(let text): jsonQuoted(text)
        case .bool(let flag): "\(flag)"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Checks that the data regions tile `0..<bufferSize` exactly: no overlap, no hole, nothing past the end.
    static func validateLayout(_ entries: [Entry], bufferSize: Int) throws(SafetensorsError) {
        let sorted = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        if let beyond = sorted.first(where: { $0.end > bufferSize }) {
            throw .offsetsOutOfRange(tensor: beyond.name, end: beyond.end, bufferSize: bufferSize)
        }
        var cursor = 0
        var previous: String?
        for entry in sorted {
            if entry.begin < cursor {
                throw .overlappingTensors(first: previous ?? "", second: entry.name)
            }
            if entry.begin > cursor {
                throw .dataGap(from: cursor, to: entry.begin, after: previous, before: entry.name)
            }
            cursor = entry.end
            previous = entry.name
        }
        if cursor < bufferSize {
            throw .dataGap(from: cursor, to: bufferSize, after: previous, before: nil)
        }
    }

    // MARK: Writing

    /// The JSON header for F32 tensors laid out at the given offsets: every object's keys sorted,
    /// no whitespace, then padded with spaces to a multiple of 8 bytes so the data starts aligned.
    static func encodeHeader(
        _ entries: [(name: String, shape: [Int], begin: Int, end: Int)], metadata: [String: String]
    ) -> [UInt8] {
        var members = entries.map { entry in
            let shape = entry.shape.map(String.init).joined(separator: ",")
            return (
                key: entry.name,
                json: "{\"data_offsets\":[\(entry.begin),\(entry.end)],\"dtype\":\"F32\",\"shape\":[\(shape)]}"
            )
        }
        if !metadata.isEmpty {
            let pairs = metadata.sorted { utf8Precedes($0.key, $1.key) }
                .map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }
            members.append((key: metadataKey, json: "{" + pairs.joined(separator: ",") + "}"))
        }
        members.sort { utf8Precedes($0.key, $1.key) }
        let json = "{" + members.map { jsonQuoted($0.key) + ":" + $0.json }.joined(separator: ",") + "}"
        var bytes = Array(json.utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }
}
