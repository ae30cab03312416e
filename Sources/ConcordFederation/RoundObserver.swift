/// Sees every step of every round, in order, as the coordinator takes it: an audit log, a run store
/// or a dashboard. Unlike ``RoundEvent``s, which are delivered asynchronously, observer calls are awaited
/// inline, so what an observer records is exactly what the coordinator did, in the order it did it.
public protocol RoundObserver: Sendable {
    /// The round's participants and the instructions they were sent.
    func roundConfigured(round: Int, participants: [Int], instructions: [Int: FitInstruction]) async

    /// A participant's update, accepted for aggregation.
    func updateReceived(round: Int, participant: Int, update: ClientUpdate) async

    /// The round's record and the global parameters it leaves (unchanged when it failed).
    func roundFinished(_ record: RoundRecord, parameters: Parameters) async
}
