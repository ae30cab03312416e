import ConcordTensor

/// A seeded byte mutator for fuzzing parsers of outside bytes: the same seed gives the same mutations, so every
/// input a fuzz run makes can be made again from its seed and number.
///
/// Each call to ``mutate(_:splice:)`` applies one to four of: bit flips, a byte set to an interesting value
/// (0x00, 0xFF, 0x7F, 0x80), insertion, deletion or duplication of a byte range, truncation, a splice with a
/// second input, an aligned 4- or 8-byte field overwritten with an interesting integer (0, 1, 2³¹−1, 2³²−1, 2⁴⁰,
/// 2⁶³−1, `UInt64.max`, …) in either byte order, and the insertion of a dictionary token (for text formats:
/// `"*a"`, `"[["`, a huge number).
public struct Mutator: Sendable {
    /// The bytes a single byte is most often set to: the edges of signed and unsigned bytes.
    public static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x20, 0x0A]

    /// The integers a 4- or 8-byte field is set to: the edges of 32- and 64-bit integers and sizes a length prefix
    /// must refuse (2⁴⁰ bytes, 2⁶³−1).
    public static let interestingIntegers: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        1 << 40, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max,
    ]

    /// The generator every choice comes from.
    public var generator: SeededGenerator
    /// Tokens inserted or written over the input (for text formats: keywords, delimiters, huge numbers).
    public var dictionary: [[UInt8]]
    /// The longest input returned; longer results are truncated.
    public var maxLength: Int

    /// Creates a mutator.
    ///
    /// - Parameters:
    ///   - seed: the seed of every choice.
    ///   - dictionary: tokens to insert or write over the input.
    ///   - maxLength: the longest input returned.
    public init(seed: UInt64, dictionary: [[UInt8]] = [], maxLength: Int = 1 << 16) {
        self.init(generator: SeededGenerator(seed: seed), dictionary: dictionary, maxLength: maxLength)
    }

    /// Creates a mutator drawing from `generator`.
    public init(generator: SeededGenerator, dictionary: [[UInt8]] = [], maxLength: Int = 1 << 16) {
        self.generator = generator
        self.dictionary = dictionary
        self.maxLength = max(1, maxLength)
    }

    /// `input` with one to four mutations applied.
    ///
    /// - Parameters:
    ///   - input: the bytes to mutate.
    ///   - splice: a second input to splice with, if any.
    /// - Returns: the mutated bytes, at most ``maxLength`` long.
    public mutating func mutate(_ input: [UInt8], splice: [UInt8]? = nil) -> [UInt8] {
        var bytes = input
        let count = 1 + below(4)
        for _ in 0..<count { mutateOnce(&bytes, splice: splice) }
        if bytes.count > maxLength { bytes.removeLast(bytes.count - maxLength) }
        return bytes
    }

    /// A uniform draw in `0..<bound` (0 when `bound` is not positive).
    public mutating func below(_ bound: Int) -> Int {
        bound > 0 ? Int(generator.next() % UInt64(bound)) : 0
    }

    private mutating func mutateOnce(_ bytes: inout [UInt8], splice: [UInt8]?) {
        switch below(11) {
        case 0: flipBit(&bytes)
        case 1: setInterestingByte(&bytes)
        case 2: setRandomByte(&bytes)
        case 3: insertBytes(&bytes)
        case 4: deleteRange(&bytes)
        case 5: duplicateRange(&bytes)
        case 6: truncate(&bytes)
        case 7: spliceWith(&bytes, splice ?? bytes)
        case 8, 9: overwriteInteger(&bytes)
        default: insertToken(&bytes)
        }
    }

    private mutating func flipBit(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
        bytes[below(bytes.count)] ^= 1 << UInt8(below(8))
    }

    private mutating func setInterestingByte(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return bytes.append(Self.interestingBytes[0]) }
        bytes[below(bytes.count)] = Self.interestingBytes[below(Self.interestingBytes.count)]
    }

    private mutating func setRandomByte(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: generator.next())
    }

    private mutating func insertBytes(_ bytes: inout [UInt8]) {
        let length = 1 + below(below(2) == 0 ? 4 : 64)
        let fill: [UInt8] =
            below(2) == 0
            ? (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            : Array(repeating: Self.interestingBytes[below(Self.interestingBytes.count)], count: length)
        bytes.insert(contentsOf: fill, at: below(bytes.count + 1))
    }

    /// A range of the bytes, mostly short.
    private mutating func range(in count: Int) -> Range<Int> {
        let start = below(count)
        let length = 1 + below(below(4) == 0 ? count - start : min(count - start, 16))
        return start..<min(count, start + length)
    }

    private mutating func deleteRange(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.removeSubrange(range(in: bytes.count))
    }

    private mutating func duplicateRange(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let copy = Array(bytes[range(in: bytes.count)])
        let times = below(4) == 0 ? 1 + below(32) : 1
        for _ in 0..<times where bytes.count < maxLength { bytes.insert(contentsOf: copy, at: below(bytes.count + 1)) }
    }

    private mutating func truncate(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.removeLast(1 + below(bytes.count))
    }

    private mutating func spliceWith(_ bytes: inout [UInt8], _ other: [UInt8]) {
        let cut = below(bytes.count + 1)
        let from = below(other.count + 1)
        bytes = Array(bytes[..<cut]) + other[from...]
    }

    private mutating func overwriteInteger(_ bytes: inout [UInt8]) {
        let width = below(2) == 0 ? 4 : 8
        var value = Self.interestingIntegers[below(Self.interestingIntegers.count)]
        if width == 4 { value = UInt64(truncatingIfNeeded: UInt32(truncatingIfNeeded: value)) }
        if below(4) == 0 { value = value &+ UInt64(bitPattern: Int64(below(5) - 2)) }
        var field = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        if below(2) == 0 { field.reverse() }
        guard bytes.count >= width else { return bytes.append(contentsOf: field) }
        // Aligned to the field's width most of the time (length prefixes and counts are), anywhere otherwise.
        let slots = bytes.count - width + 1
        var start = below(slots)
        if below(4) != 0 { start -= start % width }
        bytes.replaceSubrange(start..<start + width, with: field)
    }

    private mutating func insertToken(_ bytes: inout [UInt8]) {
        guard !dictionary.isEmpty else { return overwriteInteger(&bytes) }
        let token = dictionary[below(dictionary.count)]
        let at = below(bytes.count + 1)
        if below(2) == 0 {
            bytes.insert(contentsOf: token, at: at)
        } else {
            bytes.replaceSubrange(at..<min(bytes.count, at + token.count), with: token)
        }
    }
}
