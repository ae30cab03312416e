import Foundation
import Testing

@testable import ConcordWire

@Suite("Payload chunks")
struct PayloadTests {
    @Test("floats cut into 1 MiB chunks reassemble bit for bit")
    func roundTrip() throws {
        let first = (0..<300_000).map { Float($0) * 0.5 - 7 }
        let second: [Float] = [.nan, -0, .infinity, .leastNonzeroMagnitude]
        let payload = Payload.floats(first, second)
        var assembler = try PayloadAssembler(expected: UInt64(payload.byteCount), limit: 1 << 30)
        var index: UInt32 = 0
        for chunk in payload.chunks() {
            #expect(chunk.count <= Payload.chunkSize)
            try assembler.append(index: index, data: chunk)
            index += 1
        }
        #expect(index == 2)
        #expect(assembler.isComplete)
        let back = assembler.bytes.littleEndianFloats(at: 0, count: first.count + second.count)
        #expect(back.map(\.bitPattern) == (first + second).map(\.bitPattern))
    }
}
