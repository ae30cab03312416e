import Foundation
import Testing

@testable import ConcordWire

/// `.npy` tensors as Flower's `ndarray_to_bytes` writes them. The byte strings were written by NumPy 2.4.6
/// (`numpy.lib.format.write_array` and `numpy.save`), each named after what it holds.
@Suite("NumPy .npy tensors")
struct NumPyArrayTests {
    static func bytes(_ hex: String) -> Data { Data(FlowerTokens.bytes(hex: hex) ?? []) }

    static let numpyWritten: [(name: String, hex: String, shape: [Int], values: [Float])] = [
        (
            "1.0, <f4, (2, 3)",
            "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000803f0000004000004040000080400000a040",
            [2, 3], [0, 1, 2, 3, 4, 5]
        ),
        (
            "2.0, <f8, fortran_order True, (2, 3)",
            "934e554d50590200740000007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a00000000000000000000000000000840000000000000f03f000000000000104000000000000000400000000000001440",
            [2, 3], [0, 1, 2, 3, 4, 5]
        ),
        (
            "3.0, >i2 (big-endian int16), (3,)",
            "934e554d50590300740000007b276465736372273a20273e6932272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200afffe0007012c",
            [3], [-2, 7, 300]
        ),
        (
            "1.0, <f4, shape ()",
            "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000c03f",
            [], [1.5]
        ),
        (
            "1.0, <f4, shape (0,)",
            "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028302c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a",
            [0], []
        ),
        (
            "1.0, <f2 (float16), (3,)",
            "934e554d5059010076007b276465736372273a20273c6632272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a003800c0ff7b",
            [3], [0.5, -2, 65504]
        ),
        (
            "1.0, |b1 (bool), (3,)",
            "934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a010001",
            [3], [1, 0, 1]
        ),
        (
            "1.0, <f4, fortran_order True, (2, 3, 2)",
            "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c20332c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000c040000000400000004100008040000020410000803f0000e04000004040000010410000a04000003041",
            [2, 3, 2], (0..<12).map(Float.init)
        ),
    ]

    @Test(
        "reads what NumPy writes: versions 1.0/2.0/3.0, Fortran order, other dtypes, shapes () and (0,)",
        arguments: numpyWritten.indices)
    func readsNumPy(_ index: Int) throws {
        let example = Self.numpyWritten[index]
        let array = try NumPyArray.decode(Self.bytes(example.hex))
        #expect(array.shape == example.shape, "\(example.name)")
        #expect(array.values == example.values, "\(example.name)")
    }

    @Test("what Concord writes reads back, for every shape", arguments: [[2, 3], [7], [], [0], [2, 1, 3]])
    func roundTrips(_ shape: [Int]) throws {
        let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.25 - 1 }
        let data = NumPyArray.encode(values, shape: shape)
        #expect(data.count % 64 == (values.count * 4) % 64, "the preamble is padded to 64 bytes")
        #expect(try NumPyArray.decode(data) == NumPyArray(shape: shape, values: values))
    }

    /// `data` with the first `old` in it (same length as `new`) replaced, bytes untouched elsewhere.
    static func replacing(_ old: String, with new: String, in data: Data) -> Data {
        var copy = data
        if let range = copy.range(of: Data(old.utf8)) { copy.replaceSubrange(range, with: Data(new.utf8)) }
        return copy
    }

    @Test("bytes that are not a usable .npy tensor are refused with the reason")
    func refusesBadInput() throws {
        let good = NumPyArray.encode([1, 2, 3], shape: [3])
        let cases: [(Data, String)] = [
            (Data("not a tensor".utf8), "magic"),
            (good.prefix(good.count - 1), "needs 12 data bytes"),
            (Data(good[0..<6]) + Data([9, 0]) + good.dropFirst(8), "version 9.0"),
            (Self.replacing("<f4", with: "<c8", in: good), "c8"),
            (Self.replacing("(3,)", with: "(x,)", in: good), "'x'"),
        ]
        for (data, reason) in cases {
            #expect {
                _ = try NumPyArray.decode(data)
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
        // A header length pointing past the end.
        var long = good
        long[8] = 0xFF
        long[9] = 0xFF
        #expect(throws: WireError.self) { try NumPyArray.decode(long) }
    }

    @Test("a forged shape cannot make the reader allocate without bound")
    func refusesHugeShape() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0])
        data.append(contentsOf: header.utf8)
        #expect {
            _ = try NumPyArray.decode(data)
        } throws: { error in
            "\(error)".contains("impossible shape")
        }
    }
}
