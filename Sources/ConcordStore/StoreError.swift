/// Why a ``RunStore`` refused a request or could not read what it holds.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The run exists with another configuration; resuming it under other settings would not be the same run.
    case configurationMismatch(run: String)
    /// A round was committed out of turn: only `completedRounds + 1` may be committed next.
    case roundOutOfOrder(expected: Int, got: Int)
    /// No run has this identifier.
    case unknownRun(Int64)
    /// The stored data is damaged or inconsistent; the message says what, where, and what to do.
    case corrupt(String)
    /// The store could not be opened at `path` (not a database, another application's database, no access).
    case cannotOpen(path: String, reason: String)

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .configurationMismatch(let run):
            return "run \"\(run)\" exists with another configuration; resume it with the configuration it was "
                + "created with, or start a run under a new name"
        case .roundOutOfOrder(let expected, let got):
            return "round \(got) cannot be committed: the next round of this run is \(expected)"
        case .unknownRun(let id):
            return "no run with id \(id) in this store"
        case .corrupt(let message):
            return "the run store is damaged: \(message)"
        case .cannotOpen(let path, let reason):
            return "cannot open the run store at \(path): \(reason)"
        }
    }
}
