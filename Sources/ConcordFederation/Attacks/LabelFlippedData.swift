import ConcordData

/// Participants' data with the labels of some participants flipped (y → classes − 1 − y), the
/// label-flipping attack on data.
public struct LabelFlippedData: ParticipantData {
    /// The honest data.
    public let honest: any ParticipantData
    /// Whose labels are flipped.
    public let attackers: Set<Int>

    /// Wraps data.
    public init(honest: any ParticipantData, attackers: Set<Int>) {
        self.honest = honest
        self.attackers = attackers
    }

    /// The number of participants.
    public var participantCount: Int { honest.participantCount }

    /// Participant `index`'s data, labels flipped if it is an attacker.
    public func trainingData(of index: Int) -> Dataset {
        let data = honest.trainingData(of: index)
        guard attackers.contains(index) else { return data }
        let top = Int32(data.classCount - 1)
        return Dataset(features: data.features, labels: data.labels.map { top - $0 }, classCount: data.classCount)
    }

    /// An honest participant's view of the shared data as the honest source gives it; an attacker's
    /// flipped copy.
    public func trainingView(of index: Int) -> DatasetView {
        attackers.contains(index) ? DatasetView(trainingData(of: index)) : honest.trainingView(of: index)
    }
}
