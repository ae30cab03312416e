extension Safetensors {
    /// The element types Concord reads from safetensors files; all are converted to Float32.
    /// Concord writes only ``f32``.
    public enum DType: String, Sendable, CaseIterable {
        /// IEEE 754 binary32.
        case f32 = "F32"
        /// IEEE 754 binary64, rounded to the nearest Float32 (out-of-range values become infinities).
        case f64 = "F64"
        /// IEEE 754 binary16; converts exactly.
        case f16 = "F16"
        /// bfloat16, the upper half of a binary32; converts exactly.
        case bf16 = "BF16"

        /// The size of one element in bytes.
        public var byteSize: Int {
            switch self {
            case .f32: 4
            case .f64: 8
            case .f16, .bf16: 2
            }
        }

        /// Converts `count` little-endian elements starting at `offset` of `bytes` to Float32.
        ///
        /// - Precondition: `bytes` holds `count * byteSize` bytes from `offset` (validated by the caller).
        func floats(from bytes: UnsafeRawBufferPointer, offset: Int, count: Int) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                switch self {
                case .f32:
                    for i in 0..<count {
                        let bits = bytes.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self)
                        out[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                case .f64:
                    for i in 0..<count {
                        let bits = bytes.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self)
                        out[i] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                    }
                case .f16:
                    for i in 0..<count {
                        let bits = bytes.loadUnaligned(fromByteOffset: offset + 2 * i, as: UInt16.self)
                        out[i] = DType.floatFromHalf(UInt16(littleEndian: bits))
                    }
                case .bf16:
                    for i in 0..<count {
                        let bits = bytes.loadUnaligned(fromByteOffset: offset + 2 * i, as: UInt16.self)
                        out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                    }
                }
                initialized = count
            }
        }

        /// binary16 → binary32 by bit manipulation (Swift's `Float16` is unavailable on Intel macOS).
        static func floatFromHalf(_ half: UInt16) -> Float {
            let sign = UInt32(half & 0x8000) << 16
            let exponent = UInt32(half >> 10) & 0x1F
            let mantissa = UInt32(half & 0x3FF)
            switch exponent {
            case 0:
                // Zero or subnormal: mantissa * 2^-24, exact in binary32.
                let magnitude = Float(mantissa) * 0x1p-24
                return sign == 0 ? magnitude : -magnitude
            case 0x1F:
                return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
            default:
                // Rebias the exponent from 15 to 127.
                return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
            }
        }
    }
}
