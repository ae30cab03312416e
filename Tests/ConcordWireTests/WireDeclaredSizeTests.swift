import ConcordNN
import Foundation
import SwiftProtobuf
import Testing

@testable import ConcordWire

/// Headers that announce far more than they carry: refused, or carried no further than what arrives.
@Suite("Wire declared sizes")
struct WireDeclaredSizeTests {
    /// A protobuf varint.
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, bytes: [UInt8] = []
        repeat {
            bytes.append(UInt8(value & 0x7f) | (value >= 0x80 ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return bytes
    }

    @Test("a payload whose header announces 2^40 bytes is refused before allocating")
    func hugePayload() {
        #expect(throws: WireError.payloadTooLarge(bytes: 1 << 40, limit: 4 << 30)) {
            try PayloadAssembler(expected: 1 << 40, limit: 4 << 30)
        }
        #expect(throws: WireError.self) { try PayloadAssembler(expected: .max, limit: .max) }
    }

    @Test("a payload announced at the limit reserves only a few chunks until its bytes arrive")
    func announcedButNotSent() throws {
        var assembler = try PayloadAssembler(expected: 4 << 30, limit: 4 << 30)
        #expect(PayloadAssembler.initialReservation == 4 * Payload.chunkSize)
        try assembler.append(index: 0, data: Data(repeating: 1, count: 10))
        #expect(!assembler.isComplete && assembler.bytes.count == 10)
        #expect(throws: WireError.self) { try assembler.append(index: 1, data: Data(count: Payload.chunkSize + 1)) }
    }

    @Test("a protobuf with a length-delimited field of 2^40 bytes is refused before allocating")
    func hugeLengthDelimitedField() {
        // NodeMessage.chunk (field 4, length-delimited) claiming 2^40 bytes, followed by a few.
        let outer = [UInt8(4 << 3 | 2)] + Self.varint(1 << 40) + [1, 2, 3]
        // A well-formed chunk whose data (field 3) claims 2^40 bytes.
        let inner = [UInt8(3 << 3 | 2)] + Self.varint(1 << 40) + [9, 9]
        let nested = [UInt8(4 << 3 | 2)] + Self.varint(UInt64(inner.count)) + inner
        for bytes in [outer, nested, [UInt8(4 << 3 | 2)] + Self.varint(.max)] {
            let clock = ContinuousClock()
            let start = clock.now
            #expect(throws: (any Error).self) { try Concord_V1_NodeMessage(serializedBytes: bytes) }
            #expect(throws: (any Error).self) { try Concord_V1_CoordinatorMessage(serializedBytes: bytes) }
            #expect(clock.now - start < .seconds(1))
        }
    }

    @Test("a layout that declares 2^40 scalars, or shapes that overflow, is refused")
    func hugeLayout() {
        for shape: [UInt64] in [[1 << 40], [1 << 32, 1 << 32], [.max], [0, .max], [1 << 20, 1 << 20]] {
            var layout = Concord_V1_Layout()
            layout.dtype = .float32
            layout.entries = [
                .with {
                    $0.name = "w"; $0.shape = shape
                }
            ]
            #expect(throws: WireError.self) { try WireConversion.layout(layout) }
        }
    }
}
