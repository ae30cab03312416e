import ConcordNN
import ConcordTensor
import Foundation
import Testing

/// Builders for hand-made safetensors files.
enum SafetensorsFixture {
    /// Length prefix + `header` (optionally space-padded to 8 bytes) + `data`.
    static func file(header: String, data: [UInt8] = [], pad: Bool = false) -> [UInt8] {
        var json = Array(header.utf8)
        if pad { json += Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8) }
        return littleEndian(UInt64(json.count)) + json + data
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// The bytes of a header's JSON, without the length prefix or the data.
    static func headerText(of file: [UInt8]) -> String? {
        guard file.count >= 8 else { return nil }
        let length = file[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard file.count >= 8 + length else { return nil }
        return String(bytes: file[8..<(8 + length)], encoding: .utf8)
    }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let sampleTensors: [String: Tensor] = [
        "layer2.weight": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-30, -7e20]),
        "layer2.bias": Tensor(shape: [3], scalars: [0.25, -0.5, 8]),
        "scale": Tensor(shape: [], scalars: [42]),
        "empty": Tensor(shape: [0, 3], scalars: []),
        "a/é": Tensor(shape: [1, 1, 2], scalars: [.infinity, -0.0]),
    ]
    static let sampleMetadata = ["format": "concord", "round": "7", "note": "quote \" slash \\ newline \n ünï"]
}

@Suite("Safetensors encode/decode")
struct SafetensorsTests {
    @Test func roundTripPreservesTensorsShapesAndMetadata() throws {
        let bytes = try Safetensors.encode(
            SafetensorsFixture.sampleTensors, metadata: SafetensorsFixture.sampleMetadata)
        let file = try Safetensors.decode(bytes)
        #expect(file.tensors == SafetensorsFixture.sampleTensors)
        #expect(file.metadata == SafetensorsFixture.sampleMetadata)
        #expect(file.dtypes == SafetensorsFixture.sampleTensors.mapValues { _ in .f32 })
        #expect(file["scale"]?.shape == [])
        #expect(file["empty"]?.shape == [0, 3])
        #expect(file["missing"] == nil)
    }

    @Test func roundTripKeepsNaNBitPatterns() throws {
        let nan = Float(bitPattern: 0x7FC0_1234)
        let bytes = try Safetensors.encode(["n": Tensor(shape: [2], scalars: [nan, -.nan])])
        let decoded = try #require(try Safetensors.decode(bytes)["n"])
        #expect(decoded.scalars.map(\.bitPattern) == [nan.bitPattern, (-Float.nan).bitPattern])
    }

    @Test func encodingIsDeterministic() throws {
        let first = try Safetensors.encode(
            SafetensorsFixture.sampleTensors, metadata: SafetensorsFixture.sampleMetadata)
        var reordered: [String: Tensor] = [:]
        for (name, tensor) in SafetensorsFixture.sampleTensors.sorted(by: { $0.key > $1.key }) {
            reordered[name] = tensor
        }
        let second = try Safetensors.encode(reordered, metadata: SafetensorsFixture.sampleMetadata)
        #expect(first == second)
    }

    @Test func headerIsAlignedSortedAndCompact() throws {
        let bytes = try Safetensors.encode(SafetensorsFixture.sampleTensors, metadata: ["k": "v"])
        let header = try #require(SafetensorsFixture.headerText(of: bytes))
        #expect(header.utf8.count % 8 == 0)
        #expect(!header.trimmingCharacters(in: .whitespaces).contains(" "))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        #expect((object["__metadata__"] as? [String: String]) == ["k": "v"])
        // Data is laid out in name order, starting at 0 and ending at the end of the buffer.
        let names = SafetensorsFixture.sampleTensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var cursor = 0
        for name in names {
            let entry = try #require(object[name] as? [String: Any])
            let size = 4 * (try #require(SafetensorsFixture.sampleTensors[name])).count
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["data_offsets"] as? [Int] == [cursor, cursor + size])
            cursor += size
        }
        #expect(8 + header.utf8.count + cursor == bytes.count)
    }

    @Test func emptyFileRoundTrips() throws {
        let bytes = try Safetensors.encode([:])
        #expect(bytes == SafetensorsFixture.file(header: "{}", pad: true))
        #expect(try Safetensors.decode(bytes) == SafetensorsFile())
    }

    @Test func encodeRejectsReservedNameAndBrokenTensor() {
        #expect(throws: SafetensorsError.reservedName("__metadata__")) {
            try Safetensors.encode(["__metadata__": Tensor(shape: [1], scalars: [1])])
        }
        var broken = Tensor(shape: [2], scalars: [1, 2])
        broken.scalars.append(3)
        #expect(throws: SafetensorsError.self) { try Safetensors.encode(["w": broken]) }
    }

    @Test func decodeAcceptsDataAndUnpaddedHeader() throws {
        let header = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let bytes = SafetensorsFixture.file(
            header: header, data: SafetensorsFixture.littleEndian(Float(1.5).bitPattern))
        #expect(try Safetensors.decode(Data(bytes))["x"] == Tensor(shape: [1], scalars: [1.5]))
        #expect(try Safetensors.decode(bytes[...])["x"] == Tensor(shape: [1], scalars: [1.5]))
    }

    @Test func decodesF16() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0xFC00, 0x3555]
        let expected: [Float] = [1, -2, 0.5, 65504, 0x1p-24, -0.0, .infinity, -.infinity, 0.333251953125]
        let header = #"{"h":{"dtype":"F16","shape":[3,3],"data_offsets":[0,18]}}"#
        let file = try Safetensors.decode(
            SafetensorsFixture.file(header: header, data: halves.flatMap(SafetensorsFixture.littleEndian), pad: true))
        let tensor = try #require(file["h"])
        #expect(tensor.shape == [3, 3])
        #expect(tensor.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(file.dtypes["h"] == .f16)

        let nan = SafetensorsFixture.file(
            header: #"{"n":{"dtype":"F16","shape":[],"data_offsets":[0,2]}}"#,
            data: SafetensorsFixture.littleEndian(UInt16(0x7E00)))
        #expect(try Safetensors.decode(nan)["n"]?.scalars.first?.isNaN == true)
    }

    @Test func decodesBF16() throws {
        let values: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x3F00, 0x0000, 0xFF80]
        let expected: [Float] = [1, -2, 3.140625, 0.5, 0, -.infinity]
        let header = #"{"b":{"dtype":"BF16","shape":[6],"data_offsets":[0,12]}}"#
        let file = try Safetensors.decode(
            SafetensorsFixture.file(header: header, data: values.flatMap(SafetensorsFixture.littleEndian)))
        #expect(file["b"] == Tensor(shape: [6], scalars: expected))
        #expect(file.dtypes["b"] == .bf16)
    }

    @Test func decodesF64AndMixedDTypes() throws {
        let doubles: [Double] = [1.5, -0.25, 0.1, 1e300]
        let header = """
            {"d":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]},\
            "f":{"dtype":"F32","shape":[],"data_offsets":[32,36]},"__metadata__":{"src":"hand"}}
            """
        let data =
            doubles.map(\.bitPattern).flatMap(SafetensorsFixture.littleEndian)
            + SafetensorsFixture.littleEndian(Float(-3).bitPattern)
        let file = try Safetensors.decode(SafetensorsFixture.file(header: header, data: data, pad: true))
        #expect(file["d"] == Tensor(shape: [2, 2], scalars: [1.5, -0.25, Float(0.1), .infinity]))
        #expect(file["f"] == Tensor(shape: [], scalars: [-3]))
        #expect(file.dtypes == ["d": .f64, "f": .f32])
        #expect(file.metadata == ["src": "hand"])
    }

    @Test(arguments: ["I8", "U8", "I64", "BOOL", "F8_E4M3", "float32", "f32", ""])
    func rejectsUnsupportedDTypes(dtype: String) {
        let header = #"{"ids":{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,2]}}"#
        let bytes = SafetensorsFixture.file(header: header, data: [1, 2])
        #expect(throws: SafetensorsError.unsupportedDType(tensor: "ids", dtype: dtype)) {
            try Safetensors.decode(bytes)
        }
        let message = SafetensorsError.unsupportedDType(tensor: "ids", dtype: dtype).description
        #expect(message.contains("'ids'") && message.contains("'\(dtype)'"))
    }
}
