import ConcordFederation
import ConcordNN
import Testing

@testable import ConcordWire

/// Record-level DP settings on the wire: what the coordinator sends is what the node reads, and settings no
/// DP-SGD could run with are refused as malformed, never trained with.
@Suite("Record-level DP settings on the wire")
struct RecordPrivacyWireTests {
    func config(_ record: DPSGDConfiguration?, delta: Double?) -> FitConfig {
        var config = FitConfig(localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 7)
        config.recordPrivacy = record
        config.recordPrivacyDelta = delta
        return config
    }

    @Test func settingsRoundTrip() throws {
        let sent = config(DPSGDConfiguration(clipNorm: 1.5, noiseMultiplier: 1.1, samplingRate: 0.05), delta: 1e-5)
        #expect(try WireConversion.config(WireConversion.settings(sent)) == sent)
        let plain = config(nil, delta: nil)
        #expect(!WireConversion.settings(plain).hasRecordPrivacy)
        #expect(try WireConversion.config(WireConversion.settings(plain)) == plain)
    }

    @Test(arguments: [
        (1.0, 1.1, 0.0, 1e-5, "sampling rate"), (1.0, 1.1, 1.5, 1e-5, "sampling rate"),
        (0.0, 1.1, 0.05, 1e-5, "clip norm"), (Double.nan, 1.1, 0.05, 1e-5, "clip norm"),
        (1.0, -1.0, 0.05, 1e-5, "noise multiplier"), (1.0, .infinity, 0.05, 1e-5, "noise multiplier"),
        (1.0, 1.1, 0.05, 0.0, "δ"), (1.0, 1.1, 0.05, 1.0, "δ"),
    ])
    func impossibleSettingsAreMalformed(
        clip: Double, sigma: Double, q: Double, delta: Double, named: String
    ) {
        var message = WireConversion.settings(config(nil, delta: nil))
        message.recordPrivacy.clipNorm = clip
        message.recordPrivacy.noiseMultiplier = sigma
        message.recordPrivacy.samplingRate = q
        message.recordPrivacy.delta = delta
        #expect {
            try WireConversion.config(message)
        } throws: { error in
            "\(error)".contains("record-level DP") && "\(error)".contains(named)
        }
    }
}
