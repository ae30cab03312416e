import ConcordData
import ConcordTensor
import Testing

@Suite("Synthetic FedProx devices generated on demand")
struct SyntheticFedProxDevicesTests {
    @Test("every device and the test set are the eager generator's, bit for bit", arguments: [UInt64(2), 29])
    func sameAsEager(seed: UInt64) {
        let eager = SyntheticFedProx.generate(alpha: 1, beta: 1, devices: 12, seed: seed)
        let lazy = SyntheticFedProxDevices(alpha: 1, beta: 1, devices: 12, seed: seed)
        #expect(lazy.name == eager.name)
        #expect(lazy.deviceCount == eager.clients.count)
        #expect(lazy.testCount == eager.test.count)
        // The held-out pieces, in order, are the eager test set, however many pieces are asked for.
        for suggested in [1, 5, 40] {
            let heldOut = lazy.heldOut
            let pieces = heldOut.pieceCount(suggested: suggested)
            #expect(pieces == min(suggested, 12))
            let parts = (0..<pieces).map { heldOut.piece($0, of: pieces) }
            #expect(parts.flatMap(\.labels) == eager.test.labels, "\(pieces) pieces")
            #expect(parts.flatMap(\.features.scalars) == eager.test.features.scalars, "\(pieces) pieces")
        }
        // Out of order, and twice: a device's examples do not depend on which were generated before.
        for k in [7, 0, 11, 3, 7] {
            let device = lazy.device(k)
            #expect(device.features == eager.clients[k].features, "device \(k)")
            #expect(device.labels == eager.clients[k].labels, "device \(k)")
        }
    }
}

@Suite("Held-out data in pieces")
struct HeldOutDataTests {
    @Test("a dataset's pieces are its examples in order")
    func pieces() {
        let data = SyntheticFedProx.generate(alpha: 0, beta: 0, devices: 3, seed: 1).test
        #expect(data.pieceCount(suggested: 8) == 8)
        #expect(data.pieceCount(suggested: 0) == 1)
        let parts = (0..<8).map { data.piece($0, of: 8) }
        #expect(parts.flatMap(\.labels) == data.labels)
        #expect(parts.flatMap(\.features.scalars) == data.features.scalars)
        #expect(parts.allSatisfy { $0.exampleShape == [60] && $0.classCount == 10 })
    }
}
