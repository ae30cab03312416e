import ConcordTensor

/// A random number generator that can write many words at once.
///
/// Drawing a normal per parameter per DP-SGD step asks for a hundred thousand words or more; one call per word
/// through a generic or existential generator costs more than the words themselves. ``fill(_:)`` hands them over a
/// buffer at a time, in the order ``next()`` would have returned them.
public protocol BulkRandomNumberGenerator: RandomNumberGenerator {
    /// Writes the next `words.count` words of the stream into `words`.
    mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>)
}

extension BulkRandomNumberGenerator {
    /// Writes the next `words.count` words one ``next()`` at a time.
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>) {
        for i in words.indices { words[i] = next() }
    }
}

/// Seeded words for tests and reproducible experiments only: never privacy noise.
extension SeededGenerator: BulkRandomNumberGenerator {}

/// The operating system's generator, a word at a time from its block buffer.
extension SystemRandomBuffer: BulkRandomNumberGenerator {}
