/// How the coordinator's gRPC listeners end: wait for the serving task to finish on its own, and cancel it only
/// after a grace period. Cancelling first would be abrupt, and NIO traps when a serve task is cancelled while it
/// still holds accepted connections it has not handled.
enum GracefulShutdown {
    /// Waits up to `grace` for `serving` to end (the server having begun its graceful shutdown), then cancels it
    /// and waits for it.
    static func wait(for serving: Task<Void, any Error>, grace: Duration) async {
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await serving.result
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if !ended {
            serving.cancel()
            _ = await serving.result
        }
    }
}
