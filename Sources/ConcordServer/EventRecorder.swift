import ConcordStore
import ConcordWire
import Synchronization

/// Logs the endpoint's session events and records the participants' in the run store. The endpoint
/// listens before the store is opened, so events that come before ``attach(store:run:)`` are held and
/// recorded then.
final class EventRecorder: Sendable {
    private struct State {
        var target: (store: any RunStore, run: Int64)?
        var held: [(participant: String, kind: ParticipantEventKind, detail: String)] = []
    }

    private let log: @Sendable (String) -> Void
    private let state = Mutex(State())

    init(log: @escaping @Sendable (String) -> Void) { self.log = log }

    /// Records in `store`, for `run`, what was held and everything after.
    func attach(store: any RunStore, run: Int64) {
        let held = state.withLock { state in
            state.target = (store, run)
            defer { state.held = [] }
            return state.held
        }
        for event in held { write(event, to: store, run: run) }
    }

    /// Logs `event` and records it, or holds it until the store is attached.
    func record(_ event: SessionEvent) {
        let (participant, kind, detail): (String, ParticipantEventKind, String)
        switch event {
        case .connected(let name, let peer): (participant, kind, detail) = (name, .connected, "from \(peer)")
        case .disconnected(let name, let why): (participant, kind, detail) = (name, .disconnected, why)
        case .refused(let name, let peer, let why):
            (participant, kind, detail) = (name ?? "(unknown)", .refused, "\(peer): \(why)")
        case .lateReply(let name, let task):
            (participant, kind, detail) = (name, .late, "a reply to task \(task) came after its deadline; discarded")
        case .connectionClosed(let peer, let why):
            // Not a participant yet: logged, not recorded, so a flood cannot fill the store.
            log("closed a connection from \(peer): \(why)")
            return
        }
        log("\(participant): \(kind.rawValue) \(detail)")
        let target = state.withLock { state in
            if state.target == nil { state.held.append((participant, kind, detail)) }
            return state.target
        }
        if let target { write((participant, kind, detail), to: target.store, run: target.run) }
    }

    private func write(
        _ event: (participant: String, kind: ParticipantEventKind, detail: String), to store: any RunStore,
        run: Int64
    ) {
        do {
            try store.recordParticipantEvent(
                run: run, participant: event.participant, kind: event.kind, detail: event.detail)
        } catch {
            log("cannot record the event in the store: \(error)")
        }
    }
}
