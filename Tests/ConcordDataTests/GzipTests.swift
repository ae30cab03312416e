import ConcordData
import Testing

@Suite("Gzip")
struct GzipTests {
    private func decompress(_ bytes: [UInt8]) throws(GzipError) -> [UInt8] {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(GzipError) in try Gzip.decompress(raw) }
        }
        return try result.get()
    }

    @Test("round-trips", arguments: [0, 1, 1000, 300_000])
    func roundTrip(size: Int) throws {
        let original = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let compressed = try Fixtures.gzip(original)
        #expect(compressed.withUnsafeBytes { Gzip.hasMagic($0) })
        #expect(try decompress(compressed) == original)
    }

    @Test("accepts a zlib stream too (windowBits 15 + 32 detects the header)")
    func zlibStream() throws {
        let original = Fixtures.pixels(count: 2)
        #expect(try decompress(Fixtures.gzip(original, windowBits: 15)) == original)
    }

    @Test("decompresses concatenated members, growing past the size hint")
    func concatenatedMembers() throws {
        let first = Fixtures.pixels(count: 20)
        let second: [UInt8] = [1, 2, 3]
        #expect(try decompress(Fixtures.gzip(first) + Fixtures.gzip(second)) == first + second)
    }

    @Test("reports truncation", arguments: [0.1, 0.5, 0.9, 0.99])
    func truncated(fraction: Double) throws {
        let compressed = try Fixtures.gzip(Fixtures.pixels(count: 5))
        let cut = Array(compressed.prefix(Int(Double(compressed.count) * fraction)))
        let error = #expect(throws: GzipError.self) { try decompress(cut) }
        if let error, case .truncated = error {
        } else {
            Issue.record("expected .truncated, got \(String(describing: error))")
        }
    }

    @Test("reports a checksum mismatch as corruption")
    func badChecksum() throws {
        var compressed = try Fixtures.gzip(Fixtures.pixels(count: 1))
        compressed[compressed.count - 6] ^= 0xff  // inside the CRC-32 of the trailer
        let error = #expect(throws: GzipError.self) { try decompress(compressed) }
        guard case .corrupt(let reason) = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("check"))
    }

    @Test("reports garbage after the stream")
    func trailingGarbage() throws {
        let compressed = try Fixtures.gzip([1, 2, 3]) + [0xde, 0xad, 0xbe]
        #expect(throws: GzipError.trailingData(byteCount: 3)) { try decompress(compressed) }
    }

    @Test("reports garbage with a gzip magic as corruption")
    func garbage() {
        let garbage: [UInt8] = [0x1f, 0x8b] + (0..<64).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        let error = #expect(throws: GzipError.self) { try decompress(garbage) }
        if let error, case .corrupt = error {
        } else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
        }
    }
}
