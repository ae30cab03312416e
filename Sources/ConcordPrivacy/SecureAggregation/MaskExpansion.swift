import Crypto
import CryptoExtras
import Dispatch
import Foundation

/// Expands 256-bit seeds into masks with AES-256 in counter mode, and adds them to vectors modulo 2³²
/// or 2⁶⁴: the keystream's little-endian words are uniform over the power-of-two modulus, so no
/// rejection is needed. Never a general-purpose generator: a mask must be unpredictable without its seed.
///
/// The keystream is produced in 64 KiB chunks, chunk c from the counter block (c, 0), so any range of
/// the mask can be made on its own: several threads can each mask their own slice.
enum MaskExpansion {
    /// One mask to apply: its seed and whether it is added or subtracted.
    struct Mask: Sendable {
        var seed: SymmetricKey
        var subtract: Bool
    }

    /// Bytes of keystream per chunk.
    static let chunkBytes = 1 << 16
    private static let zeros = [UInt8](repeating: 0, count: chunkBytes)

    /// Applies every mask to `vector`, splitting the work over `threads` threads by chunks.
    static func apply(_ masks: [Mask], to vector: inout ModularVector, threads: Int = 1) {
        switch vector {
        case .bits32(var words):
            vector = .bits32([])
            apply(masks, to: &words, threads: threads)
            vector = .bits32(words)
        case .bits64(var words):
            vector = .bits64([])
            apply(masks, to: &words, threads: threads)
            vector = .bits64(words)
        }
    }

    static func apply<Word: FixedWidthInteger & UnsignedInteger & Sendable>(
        _ masks: [Mask], to words: inout [Word], threads: Int
    ) {
        guard !masks.isEmpty, !words.isEmpty else { return }
        let perChunk = chunkBytes / MemoryLayout<Word>.size
        let chunks = (words.count + perChunk - 1) / perChunk
        let workers = max(1, min(threads, chunks))
        words.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let base = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                // Each worker owns a contiguous range of chunks: disjoint writes.
                let first = chunks * worker / workers, last = chunks * (worker + 1) / workers
                for chunk in first..<last {
                    let start = chunk * perChunk, end = min(start + perChunk, base.count)
                    for mask in masks {
                        applyChunk(mask, chunk: chunk, to: UnsafeMutableBufferPointer(rebasing: base[start..<end]))
                    }
                }
            }
        }
    }

    /// Adds or subtracts chunk `chunk` of the mask's keystream to `slice` (at most one chunk of words).
    private static func applyChunk<Word: FixedWidthInteger & UnsignedInteger>(
        _ mask: Mask, chunk: Int, to slice: UnsafeMutableBufferPointer<Word>
    ) {
        let byteCount = slice.count * MemoryLayout<Word>.size
        var counter = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: UInt64(chunk).bigEndian) { counter.replaceSubrange(4..<12, with: $0) }
        // Seeds are always 256-bit keys and the nonce 16 bytes, the only inputs encryption rejects.
        let keystream = try! AES._CTR.encrypt(
            zeros[0..<byteCount], using: mask.seed, nonce: AES._CTR.Nonce(nonceBytes: counter))
        keystream.withUnsafeBytes { raw in
            // Data's storage comes from malloc, aligned for any word; the keystream is little-endian words.
            let words = raw.baseAddress!.assumingMemoryBound(to: Word.self)
            if mask.subtract {
                for i in 0..<slice.count { slice[i] &-= Word(littleEndian: words[i]) }
            } else {
                for i in 0..<slice.count { slice[i] &+= Word(littleEndian: words[i]) }
            }
        }
    }
}
