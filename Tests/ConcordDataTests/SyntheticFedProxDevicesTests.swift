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
        #expect(lazy.test.features == eager.test.features)
        #expect(lazy.test.labels == eager.test.labels)
        // Out of order, and twice: a device's examples do not depend on which were generated before.
        for k in [7, 0, 11, 3, 7] {
            let device = lazy.device(k)
            #expect(device.features == eager.clients[k].features, "device \(k)")
            #expect(device.labels == eager.clients[k].labels, "device \(k)")
        }
    }
}
