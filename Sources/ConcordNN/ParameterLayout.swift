/// The ordered names and shapes of a model's parameters: how a flat vector of scalars maps onto tensors.
public struct ParameterLayout: Sendable, Equatable, Hashable, Codable {
    /// One named tensor in the layout.
    public struct Entry: Sendable, Equatable, Hashable, Codable {
        /// The stable name, "<layer>.<parameter>".
        public var name: String
        /// The tensor's shape.
        public var shape: [Int]
        /// The number of scalars.
        public var count: Int { shape.reduce(1, *) }

        /// Creates an entry.
        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    /// The entries in canonical order.
    public let entries: [Entry]
    /// Where each entry starts in the flat vector.
    public let offsets: [Int]
    /// The total number of scalars.
    public let scalarCount: Int

    /// Creates a layout from entries in order.
    public init(_ entries: [Entry]) {
        self.entries = entries
        var offsets: [Int] = [], total = 0
        for entry in entries {
            offsets.append(total)
            total += entry.count
        }
        self.offsets = offsets
        self.scalarCount = total
    }

    private enum CodingKeys: String, CodingKey { case entries }

    /// Decodes a layout from its entries.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try container.decode([Entry].self, forKey: .entries))
    }

    /// Encodes the entries.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
    }
}
