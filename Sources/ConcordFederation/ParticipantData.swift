import ConcordData

/// Where simulated participants find their data: one shared dataset and each participant's indices.
public protocol ParticipantData: Sendable {
    /// The number of participants.
    var participantCount: Int { get }
    /// Participant `index`'s training data, materialised on demand.
    func trainingData(of index: Int) -> Dataset
    /// Participant `index`'s training data as a view: its rows of a shared dataset, nothing copied.
    func trainingView(of index: Int) -> DatasetView
}

extension ParticipantData {
    /// The materialised data seen whole: for sources that hold each participant's examples apart.
    public func trainingView(of index: Int) -> DatasetView { DatasetView(trainingData(of: index)) }
}
