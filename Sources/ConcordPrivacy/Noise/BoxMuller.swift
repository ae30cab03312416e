/// The Box–Muller transform in blocks: 32 random words in, 32 independent standard normals out, with no branch on
/// the data.
///
/// Each pair of normals takes 64 random bits, split between the two 32-bit words `a` (lane i of the first 16) and
/// `b` (lane i of the next 16):
///
/// - u ∈ (0, 1): 40 bits, `a >> 8` (24) above `b >> 16` (16), plus half a unit in the last place;
/// - θ ∈ [−π/4, 7π/4): a quadrant k (2 bits of `a`) and φ ∈ (−π/4, π/4) (22 bits: 6 of `a`, 16 of `b`), θ = kπ/2 + φ;
///
/// then r = √(−2 ln u) and the normals are r·cos θ and r·sin θ (Box and Muller 1958). The smallest u is 2⁻⁴¹, so
/// |z| ≤ √(82 ln 2) ≈ 7.54: a standard normal exceeds that with probability 5·10⁻¹⁴. ln, sin and cos are
/// Cephes's single-precision minimax polynomials (Moshier 1989), accurate to a few units in the last place of a
/// Float, after exact range reduction: the exponent of u is split off by its bits, and φ is already in
/// [−π/4, π/4] with the quadrant applied by swapping and negating.
enum BoxMuller {
    /// Normals per block.
    static let blockSize = 32

    /// Adds σ·z to `values[0..<32·blocks]` for the normals z made from `words[0..<32·blocks]` (32-bit words).
    ///
    /// Written as plain loops over lanes of straight-line arithmetic and selects, which the compiler vectorises.
    @inline(__always)
    static func addBlocks(
        _ words: UnsafePointer<UInt32>, blocks: Int, sigma: Float, to values: UnsafeMutablePointer<Float>
    ) {
        for block in 0..<blocks {
            let w = words + block * 32, v = values + block * 32
            for i in 0..<16 {
                let (x, y) = pair(w[i], w[16 + i])
                v[i] += sigma * x
                v[16 + i] += sigma * y
            }
        }
    }

    /// The two standard normals of one pair of words: r·cos θ and r·sin θ.
    @inline(__always)
    static func pair(_ a: UInt32, _ b: UInt32) -> (Float, Float) {
        let high = Float(Int32(bitPattern: a >> 8))
        let low = Float(Int32(bitPattern: b >> 16))
        let u = high * 0x1p-24 + (low + 0.5) * 0x1p-40
        let r = (-2 * log(u)).squareRoot()
        let quadrant = (a >> 6) & 3
        let fraction = Float(Int32(bitPattern: ((a & 0x3F) << 16) | (b & 0xFFFF)))
        let phi = ((fraction + 0.5) * 0x1p-22 - 0.5) * (Float.pi / 2)
        let (sine, cosine) = sinCos(phi)
        // cos(kπ/2 + φ), sin(kπ/2 + φ): k = 1 swaps and negates the cosine, k = 2 negates both, k = 3 swaps and
        // negates the sine.
        let odd = quadrant & 1 != 0
        var c = odd ? sine : cosine
        var s = odd ? cosine : sine
        c = (quadrant &+ 1) & 2 != 0 ? -c : c
        s = quadrant & 2 != 0 ? -s : s
        return (r * c, r * s)
    }

    /// ln x for positive normal x (Cephes `logf`): x = m·2ᵉ with m ∈ [√½, √2), then a degree-9 polynomial in m − 1.
    @inline(__always)
    static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        var exponent = Int32(bitPattern: bits >> 23) &- 126
        var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)
        // m ∈ [½, 1): below √½ take 2m and one less in the exponent.
        let small = m < 0.707_106_77
        exponent = small ? exponent &- 1 : exponent
        m = (small ? m + m : m) - 1
        let e = Float(exponent)
        let z = m * m
        var p: Float = 7.037_683_629_2e-2
        p = p * m - 1.151_461_031_0e-1
        p = p * m + 1.167_699_874_0e-1
        p = p * m - 1.242_014_084_6e-1
        p = p * m + 1.424_932_278_7e-1
        p = p * m - 1.666_805_766_5e-1
        p = p * m + 2.000_071_476_5e-1
        p = p * m - 2.499_999_399_3e-1
        p = p * m + 3.333_333_117_4e-1
        var y = p * m * z
        y += e * -2.121_944_40e-4
        y -= 0.5 * z
        return m + y + e * 0.693_359_375
    }

    /// sin x and cos x for |x| ≤ π/4 (Cephes `sinf`, `cosf`).
    @inline(__always)
    static func sinCos(_ x: Float) -> (Float, Float) {
        let z = x * x
        var s: Float = -1.951_529_589_1e-4
        s = s * z + 8.332_160_873_6e-3
        s = s * z - 1.666_665_461_1e-1
        let sine = s * z * x + x
        var c: Float = 2.443_315_711_809_948e-5
        c = c * z - 1.388_731_625_493_765e-3
        c = c * z + 4.166_664_568_298_827e-2
        let cosine = c * z * z - 0.5 * z + 1
        return (sine, cosine)
    }
}
