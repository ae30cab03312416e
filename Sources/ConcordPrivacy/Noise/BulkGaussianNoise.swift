import ConcordNN

/// Gaussian noise drawn in bulk: random words a buffer at a time from a ``BulkRandomNumberGenerator``, turned into
/// normals by the Box–Muller transform in vectorised blocks, with no branch on the data.
///
/// This is the noise of record-level DP-SGD, which needs one normal per parameter per step; in production its
/// source is ``KeystreamRandom`` (AES-256-CTR under a key from the operating system), never a seed. The polar
/// method of ``GaussianNoise`` rejects a fifth of its pairs and draws each uniform from its own word; here every
/// pair of normals takes exactly 64 random bits, so the noise of a step costs a fixed number of keystream bytes.
///
/// The normals are single precision: r = √(−2 ln u) from a 40-bit u ∈ (0, 1), so |z| ≤ 7.54 (a standard normal
/// goes beyond with probability 5·10⁻¹⁴), and an angle with 24 bits; σ·z is added to each Float. The caveat of
/// ``GaussianNoise`` about floating-point samplers (Mironov 2012) holds here too.
public struct BulkGaussianNoise<Source: BulkRandomNumberGenerator>: GradientNoise {
    private var source: Source
    /// Random words, drawn a buffer at a time; `next` is the first not yet used.
    private var words: [UInt32]
    private var next: Int

    /// 32-bit words per refill: 32 KiB, 8,192 normals.
    static var bufferWords: Int { 8192 }

    /// Noise drawn from `source`. Pass a seeded generator only in tests: privacy needs an unpredictable one.
    public init(source: Source) {
        self.source = source
        words = []
        next = 0
    }

    /// Adds independent N(0, σ²) noise to every entry of `values`.
    ///
    /// σ is used through its magnitude; σ = 0 leaves `values` unchanged and draws nothing; a NaN or infinite σ
    /// gives non-finite values, never less noise than asked for.
    public mutating func add(standardDeviation: Double, to values: UnsafeMutableBufferPointer<Float>) {
        guard standardDeviation != 0, let base = values.baseAddress else { return }
        let sigma = Float(standardDeviation.magnitude)
        let block = BoxMuller.blockSize
        let blockWords = block
        if words.isEmpty {
            // An empty buffer counts as used up: the first draw fills it.
            words = [UInt32](repeating: 0, count: Self.bufferWords)
            next = words.count
        }
        var done = 0
        words.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            while done < values.count {
                if next == buffer.count {
                    UnsafeMutableRawBufferPointer(buffer).withMemoryRebound(to: UInt64.self) { source.fill($0) }
                    next = 0
                }
                let blocks = min((buffer.count - next) / blockWords, (values.count - done) / block)
                if blocks == 0 {
                    // Fewer than 32 values left: one more block, of which only the first ones are kept.
                    let w = start + next
                    for i in 0..<(values.count - done) {
                        let (x, y) = BoxMuller.pair(w[i % 16], w[16 + i % 16])
                        base[done + i] += sigma * (i < 16 ? x : y)
                    }
                    next += blockWords
                    done = values.count
                    break
                }
                BoxMuller.addBlocks(
                    start + next, blocks: blocks, sigma: sigma,
                    to: base + done)
                next += blocks * blockWords
                done += blocks * block
            }
        }
    }
}

extension BulkGaussianNoise: Sendable where Source: Sendable {}
