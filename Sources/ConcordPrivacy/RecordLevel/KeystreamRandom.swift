import Crypto
import CryptoExtras
import Foundation

/// A cryptographically secure generator in user space: the AES-256 counter-mode keystream (swift-crypto) under a
/// key read from the operating system's generator (``SystemRandomBuffer``), a fresh key per instance and per 2³²
/// blocks; or, given a secret key (``init(key:)``, a run's ``RunNoiseKey``), that key's keystream.
///
/// DP-SGD draws a normal per parameter per step (two million random bytes a step for a 200,000-parameter model);
/// read from `/dev/urandom` that costs tens of milliseconds on a busy machine, more than the step itself. The
/// keystream is as unpredictable as its key, which nobody but this instance ever holds, and AES runs at
/// gigabytes per second. Should encryption fail, the words come from ``SystemRandomBuffer`` directly.
public struct KeystreamRandom: BulkRandomNumberGenerator {
    private var system = SystemRandomBuffer()
    private var key: SymmetricKey
    private var counter: UInt64 = 0
    private var words: [UInt64] = []
    private var position = 0
    private static let zeros = Data(count: 64 * 1024)

    /// The key a keyed generator was made with, from which each next key derives; nil for one keyed by the OS.
    private var derivedFrom: SymmetricKey?
    private var epoch: UInt64 = 0

    /// A generator under a fresh key from the operating system.
    public init() {
        key = Self.freshKey(&system)
    }

    /// The keystream of `key`: the same words for the same key, as unpredictable as the key to anyone without it.
    /// Each next key (every 2²⁰ refills) derives from `key` by HKDF-SHA256, so the stream stays a function of it.
    public init(key: SymmetricKey) {
        self.key = key
        derivedFrom = key
    }

    private static func freshKey(_ system: inout SystemRandomBuffer) -> SymmetricKey {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<4 { withUnsafeBytes(of: system.next()) { bytes.append(contentsOf: $0) } }
        return SymmetricKey(data: bytes)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        if position == words.count { refill() }
        defer { position += 1 }
        return words[position]
    }

    /// Writes the next `target.count` words of the keystream into `target`, in the order ``next()`` gives them.
    public mutating func fill(_ target: UnsafeMutableBufferPointer<UInt64>) {
        guard var destination = target.baseAddress else { return }
        var remaining = target.count
        while remaining > 0 {
            if position == words.count { refill() }
            let count = min(remaining, words.count - position)
            words.withUnsafeBufferPointer { source in
                guard let start = source.baseAddress else { return }
                destination.update(from: start + position, count: count)
            }
            position += count
            destination += count
            remaining -= count
        }
    }

    private mutating func refill() {
        position = 0
        // 4,096 blocks per refill: rekey long before the 2³²-block counter space of one key.
        if counter >= 1 << 20 {
            epoch += 1
            key =
                derivedFrom.map {
                    HKDF<SHA256>.deriveKey(
                        inputKeyMaterial: $0, info: Data("concord keystream epoch \(epoch)".utf8), outputByteCount: 32)
                } ?? Self.freshKey(&system)
            counter = 0
        }
        var nonce = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: counter.bigEndian) { nonce.replaceSubrange(4..<12, with: $0) }
        counter += 1
        if words.isEmpty { words = [UInt64](repeating: 0, count: Self.zeros.count / 8) }
        guard let iv = try? AES._CTR.Nonce(nonceBytes: nonce),
            let stream = try? AES._CTR.encrypt(Self.zeros, using: key, nonce: iv), stream.count == words.count * 8
        else {
            for i in words.indices { words[i] = system.next() }
            return
        }
        words.withUnsafeMutableBytes { target in _ = stream.copyBytes(to: target) }
    }
}
