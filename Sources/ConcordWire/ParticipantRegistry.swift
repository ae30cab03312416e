import ConcordFederation

/// The participants a federation's configuration allows, by name, with their ids (their places in the
/// list): the coordinator's ``ClientProxy``s, whether or not their nodes are connected now.
public struct ParticipantRegistry: Sendable {
    /// Every allowed participant, by id.
    public let participants: [RemoteParticipant]
    private let byName: [String: RemoteParticipant]

    /// Creates the registry of `names`, participant `i` being `names[i]`, each training `model`.
    ///
    /// - Throws: ``WireError/malformed(_:)`` when a name appears twice or the list is empty.
    public init(names: [String], model: String) throws(WireError) {
        guard !names.isEmpty else { throw .malformed("a federation needs at least one participant") }
        var byName: [String: RemoteParticipant] = [:]
        var participants: [RemoteParticipant] = []
        for (id, name) in names.enumerated() {
            let participant = RemoteParticipant(id: id, name: name, model: model)
            guard byName.updateValue(participant, forKey: name) == nil else {
                throw .malformed("participant '\(name)' is listed twice")
            }
            participants.append(participant)
        }
        self.participants = participants
        self.byName = byName
    }

    /// The participant called `name`, if the configuration lists it.
    public func participant(named name: String) -> RemoteParticipant? { byName[name] }

    /// How many participants have a node connected now.
    public var connectedCount: Int { participants.count { $0.isConnected } }

    /// Waits until at least `count` participants are connected, or `timeout` passes.
    ///
    /// - Returns: whether they are.
    public func waitUntilConnected(_ count: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while connectedCount < count {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }
}

/// Something that happened to a node's session, for the coordinator's log and run store.
public enum SessionEvent: Sendable, Equatable {
    /// A node joined as this participant.
    case connected(participant: String, peer: String)
    /// Its session ended.
    case disconnected(participant: String, reason: String)
    /// A connection was refused before it became a participant's session (name unknown until then).
    case refused(participant: String?, peer: String, reason: String)
    /// A reply arrived after its task was abandoned, and was discarded.
    case lateReply(participant: String, task: UInt64)
    /// A connection was closed before it opened a stream: its handshakes took too long, or too many
    /// connections were waiting.
    case connectionClosed(peer: String, reason: String)
}
