/// An element of the prime field GF(p), p = 2⁶¹ − 1, where Concord's Shamir shares live.
///
/// A Mersenne prime makes reduction two shifts and an add; 61 bits hold the 32-bit limbs secrets are
/// cut into with room to spare.
struct MersenneField: Equatable, Hashable, Sendable {
    /// p = 2⁶¹ − 1.
    static let modulus: UInt64 = (1 << 61) - 1

    /// The representative in [0, p).
    let value: UInt64

    /// The element congruent to `value`.
    init(_ value: UInt64) {
        self.value = Self.reduce(value)
    }

    static let zero = MersenneField(0)
    static let one = MersenneField(1)

    /// x mod p for any 64-bit x.
    private static func reduce(_ x: UInt64) -> UInt64 {
        var r = (x & modulus) &+ (x >> 61)
        if r >= modulus { r -= modulus }
        return r
    }

    static func + (a: MersenneField, b: MersenneField) -> MersenneField {
        MersenneField(a.value + b.value)  // < 2⁶², no overflow
    }

    static func - (a: MersenneField, b: MersenneField) -> MersenneField {
        MersenneField(a.value + modulus - b.value)
    }

    static func * (a: MersenneField, b: MersenneField) -> MersenneField {
        let (high, low) = a.value.multipliedFullWidth(by: b.value)
        // a·b = high·2⁶⁴ + low = (high·2³ + low>>61)·2⁶¹ + (low & p), and 2⁶¹ ≡ 1.
        let top = (high << 3) | (low >> 61)
        return MersenneField(MersenneField(low & modulus).value + MersenneField(top).value)
    }

    /// self^exponent by square-and-multiply.
    func power(_ exponent: UInt64) -> MersenneField {
        var result = MersenneField.one, base = self, e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result * base }
            base = base * base
            e >>= 1
        }
        return result
    }

    /// The multiplicative inverse (Fermat: a^(p−2)); nil for zero.
    var inverse: MersenneField? {
        value == 0 ? nil : power(Self.modulus - 2)
    }

    /// A uniformly random element, by rejection: 61 random bits are kept only when below p.
    static func random<G: RandomNumberGenerator>(using generator: inout G) -> MersenneField {
        while true {
            let candidate = generator.next() >> 3
            if candidate < modulus { return MersenneField(candidate) }
        }
    }
}
