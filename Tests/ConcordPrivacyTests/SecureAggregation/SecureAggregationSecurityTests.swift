import ConcordFederation
import ConcordTensor
import Foundation
import Testing

@testable import ConcordPrivacy

@Suite("SecAgg+: masks look uniform, shares are bound, the coordinator never gets both secrets")
struct SecureAggregationSecurityTests {
    /// Runs stages 1 and 2 for `ids`, returning the harness and the shares routed to each participant.
    func afterSharing(
        ids: [Int], plan: SecureAggregationPlan, round: Int = 1, seed: UInt64 = 1
    ) throws -> (SecureAggregationHarness, [Int: [EncryptedShare]]) {
        var generator = SeededGenerator(seed: seed)
        var harness = try SecureAggregationHarness(ids: ids, plan: plan, round: round, using: &generator)
        let instruction = SecureAggregationHarness.instruction(dimension: plan.dimension)
        for id in ids {
            let setup = harness.coordinator.setup(for: id, instruction: instruction, weighting: .exampleCount)
            try harness.coordinator.receiveKeys(try harness.participants[id]!.advertiseKeys(setup), from: id)
        }
        for (id, keys) in try harness.coordinator.closeAdvertising() {
            try harness.coordinator.receiveShares(try harness.participants[id]!.shareKeys(keys), from: id)
        }
        let routed = try harness.coordinator.closeSharing()
        return (harness, routed)
    }

    @Test func aMaskedInputPassesAChiSquareUniformityTest() throws {
        let plan = SecureAggregationPlan.test(n: 5, k: 4, t: 3, dimension: 65_536, modulusBits: 32)
        var (harness, routed) = try afterSharing(ids: Array(0..<5), plan: plan)
        // The most structured input there is: all zeros.
        let masked = try harness.participants[0]!.maskInput(
            routed[0]!, input: .zeros(count: plan.length, modulusBits: 32))
        guard case .bits32(let words) = masked else { Issue.record("expected 32-bit words"); return }
        // The masks come from X25519 keys the OS draws, so this is a random test: its threshold must be one a
        // uniform mask crosses with a negligible probability, not the 0.999 quantile (which two checks per run
        // cross once in 500 runs). P(χ²₂₅₅ > 447.5) = 1e-12 (scipy.stats.chi2.isf(1e-12, 255)); a mask that left
        // structure a broken mask would leave (a zero, repeated or low-entropy mask) puts it in the thousands.
        let threshold = 447.5
        let expected = Double(words.count) / 256
        func chiSquare(_ bin: (UInt32) -> Int) -> Double {
            var bins = [Double](repeating: 0, count: 256)
            for word in words { bins[bin(word)] += 1 }
            return bins.reduce(0) { $0 + ($1 - expected) * ($1 - expected) / expected }
        }
        let high = chiSquare { Int($0 >> 24) }
        #expect(high < threshold, "high byte: χ² = \(high)")
        let low = chiSquare { Int($0 & 0xFF) }
        #expect(low < threshold, "low byte: χ² = \(low)")
    }

    @Test func aTamperedShareIsRejected() throws {
        let plan = SecureAggregationPlan.test(n: 5, k: 4, t: 3, dimension: 8)
        var (harness, routed) = try afterSharing(ids: Array(0..<5), plan: plan)
        var shares = routed[2]!
        shares[0].ciphertext[20] ^= 0x01
        #expect(
            throws: SecureAggregationError.decryptionFailed(
                "the share from participant \(shares[0].sender) does not open with this round's key and binding")
        ) {
            _ = try harness.participants[2]!.maskInput(shares, input: .zeros(count: plan.length, modulusBits: 64))
        }
        if case .aborted = harness.participants[2]!.state {} else { Issue.record("the participant should abort") }
    }

    @Test func aShareReplayedFromAnotherRoundOrPairIsRejected() throws {
        let plan = SecureAggregationPlan.test(n: 5, k: 4, t: 3, dimension: 8)
        let (_, oldRouted) = try afterSharing(ids: Array(0..<5), plan: plan, round: 1, seed: 1)
        var (harness, routed) = try afterSharing(ids: Array(0..<5), plan: plan, round: 2, seed: 2)
        // Last round's ciphertext from the same sender, addressed to the same receiver.
        var replayed = routed[1]!
        let sender = replayed[0].sender
        replayed[0].ciphertext = oldRouted[1]!.first { $0.sender == sender }!.ciphertext
        #expect(throws: SecureAggregationError.self) {
            _ = try harness.participants[1]!.maskInput(replayed, input: .zeros(count: plan.length, modulusBits: 64))
        }
        // A share for participant 3 relabelled as meant for participant 1.
        var (other, otherRouted) = try afterSharing(ids: Array(0..<5), plan: plan, round: 2, seed: 3)
        var misaddressed = otherRouted[1]!
        let forThree = otherRouted[3]!.first { $0.sender == misaddressed[0].sender }!
        misaddressed[0].ciphertext = forThree.ciphertext
        #expect(throws: SecureAggregationError.self) {
            _ = try other.participants[1]!.maskInput(misaddressed, input: .zeros(count: plan.length, modulusBits: 64))
        }
        // The same share twice.
        var (twice, twiceRouted) = try afterSharing(ids: Array(0..<5), plan: plan, seed: 4)
        let doubled = twiceRouted[0]! + [twiceRouted[0]![0]]
        #expect(throws: SecureAggregationError.self) {
            _ = try twice.participants[0]!.maskInput(doubled, input: .zeros(count: plan.length, modulusBits: 64))
        }
    }

    @Test func theCoordinatorRefusesToHoldBothSecretsOfAParticipant() throws {
        let plan = SecureAggregationPlan.test(n: 6, k: 5, t: 3, dimension: 4)
        var (harness, routed) = try afterSharing(ids: Array(0..<6), plan: plan)
        for (id, shares) in routed.sorted(by: { $0.key < $1.key }) where id != 5 {
            try harness.coordinator.receiveInput(
                try harness.participants[id]!.maskInput(shares, input: .zeros(count: plan.length, modulusBits: 64)),
                from: id)
        }
        let requests = try harness.coordinator.closeInputs()
        // Participant 5 dropped: the coordinator may learn its mask key, so never its self-mask seed.
        #expect(throws: SecureAggregationError.wouldRevealBoth(participant: 5)) {
            try harness.coordinator.entitle(.selfMask, 5)
        }
        // A late input from participant 5 is refused: its mask key is already being asked for.
        #expect(throws: SecureAggregationError.self) {
            try harness.coordinator.receiveInput(.zeros(count: plan.length, modulusBits: 64), from: 5)
        }
        // A participant volunteering a self-mask share of participant 5 is refused too.
        var answer = try harness.participants[0]!.unmask(requests[0]!)
        if let index = answer.firstIndex(where: { $0.owner == 5 }) { answer[index].kind = .selfMask }
        #expect(throws: SecureAggregationError.wouldRevealBoth(participant: 5)) {
            try harness.coordinator.receiveUnmasking(answer, from: 0)
        }
    }

    @Test func aParticipantRefusesToRevealBothSecretsOfANeighbour() throws {
        let plan = SecureAggregationPlan.test(n: 5, k: 4, t: 3, dimension: 4)
        var (harness, routed) = try afterSharing(ids: Array(0..<5), plan: plan)
        _ = try harness.participants[0]!.maskInput(routed[0]!, input: .zeros(count: plan.length, modulusBits: 64))
        #expect(throws: SecureAggregationError.wouldRevealBoth(participant: 2)) {
            _ = try harness.participants[0]!.unmask(UnmaskRequest(round: 1, survivors: [1, 2, 3], dropped: [2]))
        }
        // And it answers no second request after an aborted one.
        #expect(throws: SecureAggregationError.self) {
            _ = try harness.participants[0]!.unmask(UnmaskRequest(round: 1, survivors: [1, 2, 3, 4], dropped: []))
        }
    }

    @Test func messagesOutOfOrderOrFromStrangersAreRefused() throws {
        let plan = SecureAggregationPlan.test(n: 5, k: 4, t: 3, dimension: 4)
        var generator = SeededGenerator(seed: 9)
        var coordinator = try SecureAggregationCoordinator(
            round: 1, participants: Array(0..<5), plan: plan, using: &generator)
        #expect(throws: SecureAggregationError.self) { try coordinator.receiveShares([], from: 0) }
        #expect(throws: SecureAggregationError.self) {
            try coordinator.receiveKeys(AdvertisedKeys(participant: 9, encryptionKey: [], maskKey: []), from: 9)
        }
        #expect(throws: SecureAggregationError.self) {
            try coordinator.receiveKeys(AdvertisedKeys(participant: 1, encryptionKey: [1], maskKey: [2]), from: 1)
        }
        var participant = SecureAggregationParticipant(id: 0)
        #expect(throws: SecureAggregationError.self) { _ = try participant.shareKeys([]) }
        var setup = coordinator.setup(
            for: 1, instruction: SecureAggregationHarness.instruction(dimension: 4), weighting: .uniform)
        #expect(throws: SecureAggregationError.self) { _ = try participant.advertiseKeys(setup) }
        // A plan whose threshold is at most k/2 is refused by the participant it would expose.
        setup = coordinator.setup(
            for: 0, instruction: SecureAggregationHarness.instruction(dimension: 4), weighting: .uniform)
        setup.plan = SecureAggregationPlan.test(n: 5, k: 4, t: 2, dimension: 4)
        var fresh = SecureAggregationParticipant(id: 0)
        #expect(throws: SecureAggregationError.self) { _ = try fresh.advertiseKeys(setup) }
    }

    @Test func aDuplicatedPublicKeyLeavesBothOwnersOut() throws {
        let plan = SecureAggregationPlan.test(n: 6, k: 5, t: 3, dimension: 4)
        var generator = SeededGenerator(seed: 10)
        var harness = try SecureAggregationHarness(ids: Array(0..<6), plan: plan, using: &generator)
        let instruction = SecureAggregationHarness.instruction(dimension: 4)
        var advertised: [Int: AdvertisedKeys] = [:]
        for id in 0..<6 {
            let setup = harness.coordinator.setup(for: id, instruction: instruction, weighting: .uniform)
            advertised[id] = try harness.participants[id]!.advertiseKeys(setup)
        }
        advertised[4]!.maskKey = advertised[3]!.maskKey
        for id in 0..<6 { try harness.coordinator.receiveKeys(advertised[id]!, from: id) }
        let next = try harness.coordinator.closeAdvertising()
        #expect(Set(next.keys) == [0, 1, 2, 5])
    }
}
