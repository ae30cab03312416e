/// One participant's SCAFFOLD control variate c_i and the weight it carries in the server's c (its
/// example count).
public struct ControlVariate: Sendable, Equatable, Codable {
    /// c_i, flat in layout order.
    public var values: [Float]
    /// The participant's example count when c_i was computed.
    public var weight: Double

    /// Creates a variate.
    public init(values: [Float], weight: Double) {
        self.values = values
        self.weight = weight
    }
}

/// Where SCAFFOLD keeps each participant's control variate between rounds.
///
/// The simulation keeps them in memory (``InMemoryControlVariates``); a real federation can persist
/// them with its run store by conforming its own type. A store is part of the strategy's value, so it
/// is checkpointed with it.
public protocol ControlVariateStore: Sendable, Codable {
    /// Participant `participant`'s control variate, or nil before its first round (c_i = 0).
    func variate(of participant: Int) -> ControlVariate?

    /// Replaces participant `participant`'s control variate.
    mutating func setVariate(_ variate: ControlVariate, of participant: Int)
}

/// Control variates in a dictionary: N participants × the model's size in memory.
public struct InMemoryControlVariates: ControlVariateStore, Equatable {
    /// The variates by participant.
    public private(set) var variates: [Int: ControlVariate] = [:]

    /// An empty store (every c_i = 0).
    public init() {}

    /// Participant `participant`'s variate, if it has trained before.
    public func variate(of participant: Int) -> ControlVariate? { variates[participant] }

    /// Stores participant `participant`'s variate.
    public mutating func setVariate(_ variate: ControlVariate, of participant: Int) { variates[participant] = variate }
}
