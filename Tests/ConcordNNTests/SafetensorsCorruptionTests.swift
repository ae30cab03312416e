import ConcordNN
import ConcordTensor
import Testing

/// A malformed file and a predicate recognising the error it must raise.
struct SafetensorsCorruption: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let matches: @Sendable (SafetensorsError) -> Bool
    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], _ matches: @escaping @Sendable (SafetensorsError) -> Bool) {
        (self.name, self.bytes, self.matches) = (name, bytes, matches)
    }

    init(_ name: String, header: String, data: [UInt8] = [], _ matches: @escaping @Sendable (SafetensorsError) -> Bool)
    {
        self.init(name, SafetensorsFixture.file(header: header, data: data), matches)
    }

    /// A single entry `t` with the given dtype, shape and offsets JSON.
    static func entry(shape: String = "[2]", offsets: String = "[0,8]", dtype: String = #""F32""#) -> String {
        #"{"t":{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}}"#
    }

    /// A header of F32 entries given as (name, shape JSON, offsets JSON).
    static func entries(_ list: [(name: String, shape: String, offsets: String)]) -> String {
        "{"
            + list.map { #""\#($0.name)":{"dtype":"F32","shape":\#($0.shape),"data_offsets":\#($0.offsets)}"# }
            .joined(separator: ",") + "}"
    }

    static var valid: [UInt8] {
        (try? Safetensors.encode(["a": Tensor(shape: [2], scalars: [1, 2]), "b": Tensor(shape: [1], scalars: [3])]))
            ?? []
    }

    static func withLength(_ length: UInt64, of file: [UInt8]) -> [UInt8] {
        SafetensorsFixture.littleEndian(length) + file.dropFirst(8)
    }

    static let all: [SafetensorsCorruption] = {
        let eight = [UInt8](repeating: 0, count: 8)
        let valid = Self.valid
        let headerLength = valid.count - 20
        return [
            .init("empty file", []) { $0 == .fileTooShort(byteCount: 0) },
            .init("7 bytes", [1, 0, 0, 0, 0, 0, 0]) { $0 == .fileTooShort(byteCount: 7) },
            .init("truncated inside header", Array(valid.prefix(20))) {
                $0 == .headerExceedsFile(declared: UInt64(headerLength), available: 12)
            },
            .init("header length past end", withLength(UInt64(valid.count), of: valid)) {
                if case .headerExceedsFile = $0 { true } else { false }
            },
            .init("header length UInt64.max", withLength(.max, of: valid)) {
                $0 == .headerTooLarge(declared: .max, limit: 100_000_000)
            },
            .init("header length 100MB+1", withLength(100_000_001, of: valid)) {
                $0 == .headerTooLarge(declared: 100_000_001, limit: 100_000_000)
            },
            .init("header length one long", withLength(UInt64(headerLength + 1), of: valid)) {
                if case .headerNotJSON = $0 { true } else { false }
            },
            .init("truncated data", Array(valid.dropLast(2))) {
                $0 == .offsetsOutOfRange(tensor: "b", end: 12, bufferSize: 10)
            },
            .init("trailing bytes", valid + [0, 0, 0, 0]) { $0 == .dataGap(from: 12, to: 16, after: "b", before: nil) },
            .init("invalid UTF-8 bytes", littleEndianFile([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])) {
                $0 == .headerNotUTF8
            },
            .init("overlong UTF-8", littleEndianFile([0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D])) {
                $0 == .headerNotUTF8
            },
            .init("zero-length header", eight) { if case .headerNotJSON = $0 { true } else { false } },
            .init("unterminated JSON", header: #"{"t": "#) { if case .headerNotJSON = $0 { true } else { false } },
            .init("trailing comma", header: #"{"t":{},}"#) { if case .headerNotJSON = $0 { true } else { false } },
            .init("single quotes", header: "{'t':1}") { if case .headerNotJSON = $0 { true } else { false } },
            .init("lone surrogate", header: #"{"\ud800":1}"#) { if case .headerNotJSON = $0 { true } else { false } },
            .init("deep nesting", header: #"{"t":"# + String(repeating: "[", count: 100_000)) {
                if case .headerNotJSON(let reason) = $0 { reason.contains("nesting") } else { false }
            },
            .init("garbage after object", header: #"{} x"#) { if case .headerNotJSON = $0 { true } else { false } },
            .init("header is array", header: "[]") { $0 == .headerNotObject },
            .init("header is string", header: #""t""#) { $0 == .headerNotObject },
            .init("entry is number", header: #"{"t":3}"#) { $0 == .entryNotObject(tensor: "t") },
            .init("missing dtype", header: #"{"t":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight) {
                $0 == .missingField(tensor: "t", field: "dtype")
            },
            .init("missing shape", header: #"{"t":{"dtype":"F32","data_offsets":[0,8]}}"#, data: eight) {
                $0 == .missingField(tensor: "t", field: "shape")
            },
            .init("missing data_offsets", header: #"{"t":{"dtype":"F32","shape":[2]}}"#, data: eight) {
                $0 == .missingField(tensor: "t", field: "data_offsets")
            },
            .init("dtype not string", header: entry(dtype: "5"), data: eight) { isInvalidField($0, "dtype") },
            .init("shape not array", header: entry(shape: #""2""#), data: eight) { isInvalidField($0, "shape") },
            .init("negative dimension", header: entry(shape: "[-2]"), data: eight) { isInvalidField($0, "shape") },
            .init("fractional dimension", header: entry(shape: "[2.0]"), data: eight) { isInvalidField($0, "shape") },
            .init("huge dimension", header: entry(shape: "[99999999999999999999]"), data: eight) {
                isInvalidField($0, "shape")
            },
            .init("one offset", header: entry(offsets: "[8]"), data: eight) { isInvalidField($0, "data_offsets") },
            .init("three offsets", header: entry(offsets: "[0,8,8]"), data: eight) {
                isInvalidField($0, "data_offsets")
            },
            .init("negative offset", header: entry(offsets: "[-8,0]"), data: eight) {
                isInvalidField($0, "data_offsets")
            },
            .init("negative zero offset", header: entry(offsets: "[-0,8]"), data: eight) {
                isInvalidField($0, "data_offsets")
            },
            .init("exponent offset", header: entry(offsets: "[0,8e0]"), data: eight) {
                isInvalidField($0, "data_offsets")
            },
            .init("reversed offsets", header: entry(offsets: "[8,0]"), data: eight) {
                isInvalidField($0, "data_offsets")
            },
            .init("unknown dtype", header: entry(dtype: #""Q7""#), data: eight) {
                $0 == .unsupportedDType(tensor: "t", dtype: "Q7")
            },
            .init("byte count mismatch", header: entry(shape: "[3]"), data: eight) {
                $0 == .byteCountMismatch(tensor: "t", dtype: "F32", shape: [3], expected: 12, actual: 8)
            },
            .init("element count overflow", header: entry(shape: "[4294967296,4294967296,16]"), data: eight) {
                $0 == .shapeOverflow(tensor: "t", shape: [4_294_967_296, 4_294_967_296, 16])
            },
            .init("byte count overflow", header: entry(shape: "[4611686018427387904]"), data: eight) {
                $0 == .shapeOverflow(tensor: "t", shape: [4_611_686_018_427_387_904])
            },
            .init("offsets past buffer", header: entry(offsets: "[8,16]"), data: eight) {
                $0 == .offsetsOutOfRange(tensor: "t", end: 16, bufferSize: 8)
            },
            .init(
                "overlapping regions", header: entries([("a", "[2]", "[0,8]"), ("b", "[2]", "[4,12]")]),
                data: eight + eight
            ) { $0 == .overlappingTensors(first: "a", second: "b") },
            .init(
                "hole between regions", header: entries([("a", "[1]", "[0,4]"), ("b", "[1]", "[8,12]")]),
                data: eight + [0, 0, 0, 0]
            ) { $0 == .dataGap(from: 4, to: 8, after: "a", before: "b") },
            .init("hole at start", header: entry(shape: "[1]", offsets: "[4,8]"), data: eight) {
                $0 == .dataGap(from: 0, to: 4, after: nil, before: "t")
            },
            .init("no tensors but data", header: "{}", data: eight) {
                $0 == .dataGap(from: 0, to: 8, after: nil, before: nil)
            },
            .init(
                "duplicate tensor", header: entries([("t", "[1]", "[0,4]"), ("t", "[1]", "[4,8]")]),
                data: eight
            ) { $0 == .duplicateName("t") },
            .init(
                "duplicate field", header: #"{"t":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                data: eight
            ) { isInvalidField($0, "dtype") },
            .init("metadata value not string", header: #"{"__metadata__":{"epochs":3}}"#) {
                $0 == .metadataValueNotString(key: "epochs")
            },
            .init("metadata not object", header: #"{"__metadata__":["a"]}"#) { $0 == .metadataNotObject },
            .init("duplicate metadata", header: #"{"__metadata__":{},"__metadata__":{}}"#) {
                $0 == .duplicateName("__metadata__")
            },
        ]
    }()

    private static func isInvalidField(_ error: SafetensorsError, _ field: String) -> Bool {
        if case .invalidField(let tensor, let actual, _) = error { tensor == "t" && actual == field } else { false }
    }

    private static func littleEndianFile(_ header: [UInt8]) -> [UInt8] {
        SafetensorsFixture.littleEndian(UInt64(header.count)) + header
    }
}

@Suite("Safetensors rejects malformed files")
struct SafetensorsCorruptionTests {
    @Test(arguments: SafetensorsCorruption.all)
    func corruptFileRaisesTypedError(_ corruption: SafetensorsCorruption) {
        do {
            let file = try Safetensors.decode(corruption.bytes)
            Issue.record("decoded \(file.tensors.count) tensors from a corrupt file")
        } catch {
            #expect(corruption.matches(error), "unexpected error: \(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test func everyTruncationIsRejected() throws {
        let valid = SafetensorsCorruption.valid
        #expect(try Safetensors.decode(valid).tensors.count == 2)
        for length in 0..<valid.count {
            #expect(throws: SafetensorsError.self) { try Safetensors.decode(valid.prefix(length)) }
        }
    }

    /// Random byte flips must either decode or throw ``SafetensorsError``; never trap.
    @Test func randomMutationsNeverCrash() throws {
        let valid = try Safetensors.encode(SafetensorsFixture.sampleTensors, metadata: ["k": "v"])
        var generator = SafetensorsMutationRNG(seed: 0x5AFE)
        var rejected = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            do { _ = try Safetensors.decode(bytes) } catch { rejected += 1 }
        }
        #expect(rejected > 0)
    }
}

/// A tiny deterministic generator so the mutation test is reproducible.
private struct SafetensorsMutationRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
