import ConcordFederation
import ConcordPrivacy
import Foundation

/// SecAgg+ messages on the wire (`SecAggRequest`, `SecAggResponse`); vectors travel as the payload.
extension WireConversion {
    /// The most participants a round may name, so a forged list cannot make a node allocate without bound.
    static let maxPeers = 1 << 16

    static func request(_ request: SecureAggregationRequest, model: String) -> (Concord_V1_SecAggRequest, Payload) {
        var message = Concord_V1_SecAggRequest()
        var payload = Payload.empty
        switch request {
        case .advertiseKeys(let setup):
            message.round = UInt32(clamping: setup.round)
            var body = Concord_V1_SecAggSetup()
            body.session = Data(setup.session)
            body.participant = UInt32(clamping: setup.participant)
            body.neighbours = setup.neighbours.map { UInt32(clamping: $0) }
            body.plan = plan(setup.plan)
            let (task, parameters) = fitTask(setup.instruction, model: model)
            body.instruction = task
            payload = parameters
            body.weighting = setup.weighting == .uniform ? .uniform : .exampleCount
            message.advertiseKeys = body
        case .shareKeys(let round, let keys):
            message.round = UInt32(clamping: round)
            var body = Concord_V1_SecAggKeys()
            body.keys = keys.map(advertised)
            message.shareKeys = body
        case .maskedInput(let round, let shares):
            message.round = UInt32(clamping: round)
            var body = Concord_V1_SecAggShares()
            body.shares = shares.map(encrypted)
            message.maskedInput = body
        case .unmask(let unmask):
            message.round = UInt32(clamping: unmask.round)
            var body = Concord_V1_SecAggUnmask()
            body.survivors = unmask.survivors.map { UInt32(clamping: $0) }
            body.dropped = unmask.dropped.map { UInt32(clamping: $0) }
            message.unmask = body
        }
        return (message, payload)
    }

    static func expectedBytes(of request: Concord_V1_SecAggRequest) throws(WireError) -> UInt64 {
        if case .advertiseKeys(let setup) = request.stage { return try expectedBytes(of: setup.instruction) }
        return 0
    }

    static func request(
        _ message: Concord_V1_SecAggRequest, payload: Data
    ) throws(WireError)
        -> SecureAggregationRequest
    {
        let round = Int(message.round)
        switch message.stage {
        case .advertiseKeys(let body):
            guard body.neighbours.count <= maxPeers, body.session.count == 16 else {
                throw .malformed(
                    "a secure-aggregation setup with \(body.neighbours.count) neighbours and a "
                        + "\(body.session.count)-byte session")
            }
            return .advertiseKeys(
                SecureAggregationSetup(
                    round: round, session: [UInt8](body.session), participant: Int(body.participant),
                    neighbours: body.neighbours.map { Int($0) }, plan: try plan(body.plan),
                    instruction: try instruction(body.instruction, payload: payload),
                    weighting: body.weighting == .uniform ? .uniform : .exampleCount))
        case .shareKeys(let body):
            guard body.keys.count <= maxPeers else { throw .malformed("\(body.keys.count) advertised keys") }
            return .shareKeys(round: round, keys: body.keys.map(advertised))
        case .maskedInput(let body):
            guard body.shares.count <= maxPeers else { throw .malformed("\(body.shares.count) shares") }
            return .maskedInput(round: round, shares: body.shares.map(encrypted))
        case .unmask(let body):
            guard body.survivors.count + body.dropped.count <= maxPeers else {
                throw .malformed("an unmask request naming \(body.survivors.count + body.dropped.count) participants")
            }
            return .unmask(
                UnmaskRequest(
                    round: round, survivors: body.survivors.map { Int($0) }, dropped: body.dropped.map { Int($0) }))
        case nil:
            throw .malformed("a secure-aggregation request without a stage")
        }
    }

    static func response(_ response: SecureAggregationResponse) -> (Concord_V1_SecAggResponse, Payload) {
        var message = Concord_V1_SecAggResponse()
        var payload = Payload.empty
        switch response {
        case .keys(let keys):
            message.keys = advertised(keys)
        case .shares(let shares):
            var body = Concord_V1_SecAggShares()
            body.shares = shares.map(encrypted)
            message.shares = body
        case .maskedInput(let vector):
            var body = Concord_V1_MaskedInput()
            body.wordCount = UInt64(vector.count)
            body.modulusBits = UInt32(vector.modulusBits)
            message.maskedInput = body
            payload = .bytes(words(vector))
        case .unmasking(let shares):
            var body = Concord_V1_SecAggRevealed()
            body.shares = shares.map { share in
                var revealed = Concord_V1_RevealedShare()
                revealed.owner = UInt32(clamping: share.owner)
                revealed.kind = share.kind == .selfMask ? .selfMask : .maskKey
                revealed.x = share.x
                revealed.limbs = share.limbs
                return revealed
            }
            message.unmasking = body
        }
        return (message, payload)
    }

    static func response(
        _ message: Concord_V1_SecAggResponse, payload: Data
    ) throws(WireError)
        -> SecureAggregationResponse
    {
        switch message.stage {
        case .keys(let keys):
            return .keys(advertised(keys))
        case .shares(let body):
            guard body.shares.count <= maxPeers else { throw .malformed("\(body.shares.count) shares") }
            return .shares(body.shares.map(encrypted))
        case .maskedInput(let body):
            let width = Int(body.modulusBits) / 8
            guard body.modulusBits == 32 || body.modulusBits == 64,
                body.wordCount <= UInt64(maxScalars), payload.count == Int(body.wordCount) * width
            else {
                throw .malformed(
                    "a masked input of \(body.wordCount) words mod 2^\(body.modulusBits) carries \(payload.count) bytes"
                )
            }
            return .maskedInput(vector(payload, count: Int(body.wordCount), modulusBits: Int(body.modulusBits)))
        case .unmasking(let body):
            guard body.shares.count <= maxPeers else { throw .malformed("\(body.shares.count) revealed shares") }
            return .unmasking(
                body.shares.map {
                    RevealedShare(
                        owner: Int($0.owner), kind: $0.kind == .maskKey ? .maskKey : .selfMask, x: $0.x,
                        limbs: $0.limbs)
                })
        case nil:
            throw .malformed("a secure-aggregation response without a stage")
        }
    }

    /// The payload size a response must carry.
    static func expectedBytes(of response: Concord_V1_SecAggResponse) -> UInt64 {
        if case .maskedInput(let body) = response.stage {
            return body.wordCount.multipliedReportingOverflow(by: UInt64(body.modulusBits / 8)).partialValue
        }
        return 0
    }

    private static func plan(_ plan: SecureAggregationPlan) -> Concord_V1_SecAggPlan {
        var message = Concord_V1_SecAggPlan()
        message.participantCount = UInt32(clamping: plan.participantCount)
        message.neighbours = UInt32(clamping: plan.neighbours)
        message.threshold = UInt32(clamping: plan.threshold)
        message.dimension = UInt64(plan.dimension)
        message.clipRange = plan.clipRange
        message.bits = UInt32(clamping: plan.bits)
        message.maxWeight = UInt64(plan.maxWeight)
        message.counts = plan.counts
        message.modulusBits = UInt32(clamping: plan.modulusBits)
        return message
    }

    private static func plan(_ message: Concord_V1_SecAggPlan) throws(WireError) -> SecureAggregationPlan {
        guard message.dimension <= UInt64(maxScalars), message.maxWeight <= UInt64(Int32.max),
            message.counts.count <= 64, message.clipRange.isFinite
        else { throw .malformed("an impossible secure-aggregation plan") }
        let plan = SecureAggregationPlan(
            participantCount: Int(message.participantCount), neighbours: Int(message.neighbours),
            threshold: Int(message.threshold), dimension: Int(message.dimension), clipRange: message.clipRange,
            bits: Int(message.bits), maxWeight: Int(message.maxWeight), counts: message.counts,
            modulusBits: Int(message.modulusBits))
        do {
            try plan.validate()
        } catch {
            throw .malformed("secure-aggregation plan: \(error)")
        }
        return plan
    }

    private static func advertised(_ keys: AdvertisedKeys) -> Concord_V1_AdvertisedKeys {
        var message = Concord_V1_AdvertisedKeys()
        message.participant = UInt32(clamping: keys.participant)
        message.encryptionKey = Data(keys.encryptionKey)
        message.maskKey = Data(keys.maskKey)
        return message
    }

    private static func advertised(_ message: Concord_V1_AdvertisedKeys) -> AdvertisedKeys {
        AdvertisedKeys(
            participant: Int(message.participant), encryptionKey: [UInt8](message.encryptionKey),
            maskKey: [UInt8](message.maskKey))
    }

    private static func encrypted(_ share: EncryptedShare) -> Concord_V1_EncryptedShare {
        var message = Concord_V1_EncryptedShare()
        message.sender = UInt32(clamping: share.sender)
        message.receiver = UInt32(clamping: share.receiver)
        message.ciphertext = Data(share.ciphertext)
        return message
    }

    private static func encrypted(_ message: Concord_V1_EncryptedShare) -> EncryptedShare {
        EncryptedShare(
            sender: Int(message.sender), receiver: Int(message.receiver), ciphertext: [UInt8](message.ciphertext))
    }

    private static func words(_ vector: ModularVector) -> Data {
        switch vector {
        case .bits32(let words): words.map(\.littleEndian).withUnsafeBytes { Data($0) }
        case .bits64(let words): words.map(\.littleEndian).withUnsafeBytes { Data($0) }
        }
    }

    private static func vector(_ data: Data, count: Int, modulusBits: Int) -> ModularVector {
        data.withUnsafeBytes { raw in
            if modulusBits == 32 {
                return .bits32(
                    (0..<count).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
                )
            }
            return .bits64(
                (0..<count).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) })
        }
    }
}
