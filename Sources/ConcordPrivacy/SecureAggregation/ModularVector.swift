/// A vector of integers modulo 2³² or 2⁶⁴: a quantised update, a mask, a masked input or their sum.
public enum ModularVector: Sendable, Equatable {
    /// Words modulo 2³².
    case bits32([UInt32])
    /// Words modulo 2⁶⁴.
    case bits64([UInt64])

    /// Zeros of the given width.
    static func zeros(count: Int, modulusBits: Int) -> ModularVector {
        modulusBits == 32
            ? .bits32([UInt32](repeating: 0, count: count)) : .bits64([UInt64](repeating: 0, count: count))
    }

    /// The number of words.
    public var count: Int {
        switch self {
        case .bits32(let words): words.count
        case .bits64(let words): words.count
        }
    }

    /// 32 or 64.
    public var modulusBits: Int {
        switch self {
        case .bits32: 32
        case .bits64: 64
        }
    }

    /// Adds `other` word by word, wrapping around the modulus.
    ///
    /// - Throws: ``SecureAggregationError/protocolViolation(_:)`` when widths or lengths differ.
    mutating func add(_ other: ModularVector) throws(SecureAggregationError) {
        switch (self, other) {
        case (.bits32(var words), .bits32(let more)) where words.count == more.count:
            self = .bits32([])
            Self.accumulate(&words, more)
            self = .bits32(words)
        case (.bits64(var words), .bits64(let more)) where words.count == more.count:
            self = .bits64([])
            Self.accumulate(&words, more)
            self = .bits64(words)
        default:
            throw .protocolViolation(
                "a vector of \(other.count) words mod 2^\(other.modulusBits) cannot be added to \(count) words mod 2^\(modulusBits)"
            )
        }
    }

    private static func accumulate<Word: FixedWidthInteger & UnsignedInteger>(_ words: inout [Word], _ more: [Word]) {
        words.withUnsafeMutableBufferPointer { w in
            more.withUnsafeBufferPointer { m in
                for i in 0..<w.count { w[i] &+= m[i] }
            }
        }
    }
}
