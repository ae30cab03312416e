import Foundation

/// The bulk data that follows a task or reply header in chunks: float vectors (parameters, a correction)
/// or raw bytes (masked words), concatenated. Floats travel as IEEE 754 binary32, little-endian.
///
/// Chunks are cut lazily from the vectors, so sending a 200 MB model to a node costs one 1 MiB buffer at a
/// time, not a second copy of the model.
public struct Payload: Sendable {
    enum Part: Sendable {
        case floats([Float])
        case bytes(Data)

        var byteCount: Int {
            switch self {
            case .floats(let values): values.count * MemoryLayout<Float>.size
            case .bytes(let data): data.count
            }
        }
    }

    var parts: [Part]

    /// The largest chunk sent: 1 MiB, well under gRPC's default 4 MiB message limit.
    public static let chunkSize = 1 << 20

    /// No payload.
    public static let empty = Payload(parts: [])

    /// Float vectors, one after another.
    public static func floats(_ vectors: [Float]...) -> Payload {
        Payload(parts: vectors.map(Part.floats))
    }

    /// Raw bytes.
    public static func bytes(_ data: Data) -> Payload { Payload(parts: [.bytes(data)]) }

    /// The total size in bytes.
    public var byteCount: Int { parts.reduce(0) { $0 + $1.byteCount } }

    /// The chunks, in order, each at most ``chunkSize`` bytes.
    public func chunks() -> PayloadChunks { PayloadChunks(parts: parts) }
}

/// The chunks of a ``Payload``, cut one at a time.
public struct PayloadChunks: Sequence, IteratorProtocol, Sendable {
    private let parts: [Payload.Part]
    private var part = 0
    private var offset = 0

    init(parts: [Payload.Part]) { self.parts = parts }

    /// The next chunk, or nil after the last.
    public mutating func next() -> Data? {
        var chunk = Data()
        while chunk.count < Payload.chunkSize, part < parts.count {
            let room = Payload.chunkSize - chunk.count
            switch parts[part] {
            case .floats(let values):
                let total = values.count * MemoryLayout<Float>.size
                let end = Swift.min(total, offset + room)
                values.withUnsafeBytes { raw in
                    appendLittleEndianFloats(raw[offset..<end], to: &chunk)
                }
                offset = end
                if offset == total { part += 1; offset = 0 }
            case .bytes(let data):
                let end = Swift.min(data.count, offset + room)
                chunk.append(data[data.startIndex + offset..<data.startIndex + end])
                offset = end
                if offset == data.count { part += 1; offset = 0 }
            }
        }
        return chunk.isEmpty ? nil : chunk
    }
}

/// Appends native floats' bytes in little-endian order (a plain copy on little-endian machines).
private func appendLittleEndianFloats(_ bytes: Slice<UnsafeRawBufferPointer>, to chunk: inout Data) {
    #if _endian(little)
        chunk.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes))
    #else
        var swapped = [UInt8](UnsafeRawBufferPointer(rebasing: bytes))
        for start in stride(from: 0, to: swapped.count, by: 4) { swapped[start..<start + 4].reverse() }
        chunk.append(contentsOf: swapped)
    #endif
}

/// Collects one payload from its chunks, checking each against what the header announced.
struct PayloadAssembler: Sendable {
    /// The bytes the header announced.
    let expected: Int
    private(set) var bytes: Data
    /// The index the next chunk must have.
    private(set) var nextIndex: UInt32 = 0

    /// Starts a payload of `expected` bytes, refusing one over `limit`.
    init(expected: UInt64, limit: UInt64) throws(WireError) {
        guard expected <= limit, expected <= UInt64(Int.max) else {
            throw .payloadTooLarge(bytes: expected, limit: limit)
        }
        self.expected = Int(expected)
        bytes = Data()
        // Only what a few chunks hold: the announcement is the peer's word, and a peer that announces gigabytes
        // and sends nothing must not cost them. The buffer grows with the chunks that do arrive.
        bytes.reserveCapacity(min(self.expected, Self.initialReservation))
    }

    /// The most bytes reserved before any chunk arrives.
    static let initialReservation = 4 * Payload.chunkSize

    /// Whether every announced byte has arrived.
    var isComplete: Bool { bytes.count == expected }

    /// Adds the next chunk.
    mutating func append(index: UInt32, data: Data) throws(WireError) {
        try Self.check(
            index: index, count: data.count, due: nextIndex, received: UInt64(bytes.count), expected: UInt64(expected))
        bytes.append(data)
        nextIndex += 1
    }

    /// Checks a chunk of `count` bytes with `index` against a payload of `expected` bytes that has `received`
    /// so far and waits for chunk `due`.
    static func check(index: UInt32, count: Int, due: UInt32, received: UInt64, expected: UInt64) throws(WireError) {
        guard index == due else {
            throw .protocolViolation("chunk \(index) arrived where chunk \(due) was due")
        }
        guard count > 0, count <= Payload.chunkSize else {
            throw .malformed("a chunk of \(count) bytes (chunks hold 1 to \(Payload.chunkSize) bytes)")
        }
        guard received + UInt64(count) <= expected else {
            throw .malformed("chunks exceed the \(expected) bytes announced")
        }
    }
}

extension Data {
    /// Reads `count` little-endian floats starting at byte `offset`.
    func littleEndianFloats(at offset: Int, count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { destination in
            self.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count * 4]))
            }
        }
        #if !_endian(little)
            for index in values.indices { values[index] = Float(bitPattern: values[index].bitPattern.byteSwapped) }
        #endif
        return values
    }
}
