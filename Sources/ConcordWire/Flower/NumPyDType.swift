import Foundation

/// The element type of a `.npy` tensor, from its `descr` (`'<f4'`, `'>f8'`, `'|u1'`, `'<i8'`, `'|b1'`, …),
/// and how one element becomes a `Float`.
struct NumPyDType: Sendable, Equatable {
    /// Floating point, signed integer, unsigned integer or boolean.
    enum Kind: Sendable, Equatable { case float, signed, unsigned, bool }

    /// The `descr` as the header gave it.
    let descr: String
    let kind: Kind
    /// Bytes per element.
    let size: Int
    let bigEndian: Bool

    /// Reads a `descr`.
    ///
    /// - Throws: ``WireError/malformed(_:)`` for a structured, complex, string, object or date type, or
    ///   an element size NumPy does not have for the kind.
    init(descr: String) throws(WireError) {
        let characters = Array(descr)
        guard characters.count >= 3, let size = Int(String(characters[2...])) else {
            throw .malformed("a .npy tensor of dtype '\(descr)' (Concord reads numbers: f2/f4/f8, i1–i8, u1–u8, b1)")
        }
        let order = characters[0]
        guard "<>|=".contains(order) else { throw .malformed("a .npy dtype '\(descr)' with byte order '\(order)'") }
        let kind: Kind
        let sizes: Set<Int>
        switch characters[1] {
        case "f": (kind, sizes) = (.float, [2, 4, 8])
        case "i": (kind, sizes) = (.signed, [1, 2, 4, 8])
        case "u": (kind, sizes) = (.unsigned, [1, 2, 4, 8])
        case "b": (kind, sizes) = (.bool, [1])
        default:
            throw .malformed("a .npy tensor of dtype '\(descr)' (Concord reads numbers: f2/f4/f8, i1–i8, u1–u8, b1)")
        }
        guard sizes.contains(size) else { throw .malformed("a .npy dtype '\(descr)' of an impossible size") }
        self.descr = descr
        self.kind = kind
        self.size = size
        // '=' is the writer's native order; every platform Concord and NumPy share here is little-endian.
        self.bigEndian = order == ">"
    }

    /// The element at `offset` of `bytes`, as a `Float` (integers beyond 2²⁴ round, as NumPy's astype does).
    func value(_ bytes: [UInt8], at offset: Int) -> Float {
        var bits: UInt64 = 0
        for index in 0..<size {
            let byte = UInt64(bytes[offset + (bigEndian ? index : size - 1 - index)])
            bits = bits << 8 | byte
        }
        switch kind {
        case .bool: return bits == 0 ? 0 : 1
        case .unsigned: return Float(bits)
        case .signed:
            let shift = UInt64(64 - size * 8)
            return Float(Int64(bitPattern: bits << shift) >> Int64(shift))
        case .float:
            switch size {
            case 2: return Self.half(UInt16(truncatingIfNeeded: bits))
            case 4: return Float(bitPattern: UInt32(truncatingIfNeeded: bits))
            default: return Float(Double(bitPattern: bits))
            }
        }
    }

    /// An IEEE 754 binary16 value, decoded by hand: `Float16` is not available on every platform Concord builds on.
    private static func half(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
