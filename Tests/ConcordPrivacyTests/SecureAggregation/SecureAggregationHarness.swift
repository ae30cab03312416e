import ConcordFederation
import ConcordNN
import ConcordTensor

@testable import ConcordPrivacy

/// Drives the coordinator's and the participants' state machines through one round, in memory, with
/// chosen participants vanishing at chosen stages: the protocol without the transport.
struct SecureAggregationHarness {
    var plan: SecureAggregationPlan
    var coordinator: SecureAggregationCoordinator
    var participants: [Int: SecureAggregationParticipant]

    static func instruction(dimension: Int) -> FitInstruction {
        let layout = ParameterLayout([.init(name: "w", shape: [dimension])])
        return FitInstruction(
            round: 1, parameters: Parameters.zeros(layout),
            config: FitConfig(localEpochs: 1, batchSize: 1, learningRate: 1, seed: 1))
    }

    init<G: RandomNumberGenerator>(
        ids: [Int], plan: SecureAggregationPlan, round: Int = 1, using generator: inout G
    ) throws {
        self.plan = plan
        coordinator = try SecureAggregationCoordinator(round: round, participants: ids, plan: plan, using: &generator)
        participants = Dictionary(uniqueKeysWithValues: ids.map { ($0, SecureAggregationParticipant(id: $0)) })
    }

    /// Runs the round; `inputs` are the participants' plaintext words; `drops[stage]` vanish instead of
    /// answering that stage. Returns the sum and its contributors, or throws the coordinator's error.
    mutating func run(
        inputs: [Int: ModularVector], drops: [SecureAggregationStage: Set<Int>] = [:]
    ) throws -> (sum: ModularVector, contributors: [Int]) {
        let instruction = Self.instruction(dimension: plan.dimension)
        let ids = participants.keys.sorted()
        for id in ids where !(drops[.advertiseKeys]?.contains(id) ?? false) {
            let setup = coordinator.setup(for: id, instruction: instruction, weighting: .exampleCount)
            try coordinator.receiveKeys(try participants[id]!.advertiseKeys(setup), from: id)
        }
        let keyMessages = try coordinator.closeAdvertising()
        for (id, keys) in keyMessages.sorted(by: { $0.key < $1.key }) where !(drops[.shareKeys]?.contains(id) ?? false)
        {
            try coordinator.receiveShares(try participants[id]!.shareKeys(keys), from: id)
        }
        let routed = try coordinator.closeSharing()
        for (id, shares) in routed.sorted(by: { $0.key < $1.key }) where !(drops[.maskedInput]?.contains(id) ?? false) {
            try coordinator.receiveInput(try participants[id]!.maskInput(shares, input: inputs[id]!), from: id)
        }
        let requests = try coordinator.closeInputs()
        for (id, request) in requests.sorted(by: { $0.key < $1.key }) where !(drops[.unmask]?.contains(id) ?? false) {
            try coordinator.receiveUnmasking(try participants[id]!.unmask(request), from: id)
        }
        return try coordinator.finish(threads: 2)
    }

    /// Random plaintext words of the plan's width: any value, wrapping included.
    static func randomInputs<G: RandomNumberGenerator>(
        _ ids: [Int], plan: SecureAggregationPlan, using generator: inout G
    )
        -> [Int: ModularVector]
    {
        Dictionary(
            uniqueKeysWithValues: ids.map { id in
                let vector: ModularVector =
                    plan.modulusBits == 32
                    ? .bits32((0..<plan.length).map { _ in UInt32.random(in: .min ... .max, using: &generator) })
                    : .bits64((0..<plan.length).map { _ in UInt64.random(in: .min ... .max, using: &generator) })
                return (id, vector)
            })
    }

    /// The plain sum of the given participants' words.
    static func plainSum(_ inputs: [Int: ModularVector], of ids: [Int]) throws -> ModularVector {
        var sum = inputs[ids[0]]!
        for id in ids.dropFirst() { try sum.add(inputs[id]!) }
        return sum
    }
}

extension SecureAggregationPlan {
    /// A plan for tests: the rule's or the given degree and threshold, 64-bit unless said.
    static func test(n: Int, k: Int, t: Int, dimension: Int, modulusBits: Int = 64) -> SecureAggregationPlan {
        SecureAggregationPlan(
            participantCount: n, neighbours: k, threshold: t, dimension: dimension, clipRange: 1, bits: 8, maxWeight: 1,
            counts: [], modulusBits: modulusBits)
    }
}
