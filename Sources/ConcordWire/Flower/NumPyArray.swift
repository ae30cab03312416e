import Foundation

/// One tensor in NumPy's `.npy` format, the way Flower's `ndarray_to_bytes` and `bytes_to_ndarray` carry
/// parameters: a magic string, a version, a Python-literal header (`descr`, `fortran_order`, `shape`) and
/// the raw data.
///
/// Reading accepts format versions 1.0, 2.0 and 3.0, C or Fortran order, little- or big-endian floats
/// (16, 32, 64 bits), signed and unsigned integers and booleans, and every shape including `()` and
/// `(0,)`; values are converted to `Float` in C (row-major) order, which is Concord's. Writing produces
/// version 1.0, little-endian `float32`, C order: what `numpy.load` reads everywhere.
struct NumPyArray: Sendable, Equatable {
    /// The dimensions, outermost first (empty for a scalar).
    var shape: [Int]
    /// The values in C order.
    var values: [Float]

    /// The most scalars one tensor may declare, so that a forged shape cannot make the reader allocate
    /// without bound (the same bound as Concord's own wire: a 4 GiB model).
    static let maxScalars = 1 << 30

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// The `.npy` 1.0 bytes of `values` (row-major) with `shape`, as little-endian `float32`.
    static func encode<Values: Collection<Float>>(_ values: Values, shape: [Int]) -> Data {
        let dimensions = shape.map(String.init)
        let tuple =
            dimensions.count == 1 ? "(\(dimensions[0]),)" : "(\(dimensions.joined(separator: ", ")))"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(tuple), }"
        // The whole preamble (magic, version, length, header, newline) is padded to a multiple of 64 bytes.
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: header.utf8)
        data.reserveCapacity(data.count + values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// Reads `.npy` bytes.
    ///
    /// - Throws: ``WireError/malformed(_:)`` saying what is wrong: not `.npy` at all, an unknown version,
    ///   a header that cannot be read, a dtype Concord cannot turn into numbers, or data of the wrong size.
    static func decode(_ data: Data) throws(WireError) -> NumPyArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw .malformed("a tensor that is not in NumPy's .npy format (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .malformed("a .npy \(major).0 tensor cut short in its preamble") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw .malformed("a .npy tensor of format version \(major).\(bytes[7]) (Concord reads 1.0, 2.0 and 3.0)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw .malformed("a .npy header of \(headerLength) bytes in a tensor of \(bytes.count) bytes")
        }
        let headerBytes = bytes[headerStart..<headerStart + headerLength]
        // Versions 1 and 2 are latin-1, 3 is UTF-8; the keys and values Concord reads are ASCII either way.
        let header = String(decoding: headerBytes, as: UTF8.self)
        let dtype = try NumPyDType(descr: NumPyHeader.string(for: "descr", in: header))
        let fortran = try NumPyHeader.bool(for: "fortran_order", in: header)
        let shape = try NumPyHeader.shape(in: header)
        var count = 1
        for dimension in shape {
            guard dimension <= maxScalars, count <= maxScalars / max(dimension, 1) else {
                throw .malformed("a .npy tensor of impossible shape \(shape)")
            }
            count *= dimension
        }
        let body = headerStart + headerLength
        guard bytes.count - body == count * dtype.size else {
            throw .malformed(
                "a .npy tensor of shape \(shape) and dtype \(dtype.descr) needs \(count * dtype.size) data bytes; "
                    + "it has \(bytes.count - body)")
        }
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count { values[index] = dtype.value(bytes, at: body + index * dtype.size) }
        if fortran, shape.count > 1 { values = cOrder(fromFortran: values, shape: shape) }
        return NumPyArray(shape: shape, values: values)
    }

    /// Reorders column-major values into row-major ones.
    private static func cOrder(fromFortran values: [Float], shape: [Int]) -> [Float] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropFirst() { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        var result = [Float](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: shape.count)
        for position in result.indices {
            var offset = 0
            for axis in shape.indices { offset += index[axis] * strides[axis] }
            result[position] = values[offset]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
