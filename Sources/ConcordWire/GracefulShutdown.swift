import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// How the coordinator's gRPC listeners end: wait for the serving task to finish on its own, and cancel it only
/// after a grace period. Cancelling first would be abrupt, and NIO traps when a serve task is cancelled while it
/// still holds accepted connections it has not handled.
enum GracefulShutdown {
    /// Begins `server`'s graceful shutdown once its transport listens (or has failed to), then waits for `serving`
    /// as ``wait(for:grace:)`` does.
    ///
    /// A shutdown begun while the transport is still taking over its listening socket races with that: the socket
    /// is closed under NIO before it is registered, which NIO traps on (seen when a run is refused right after its
    /// server task started). Waiting for the bind first takes no time otherwise.
    static func shutDown(
        _ server: GRPCServer<HTTP2ServerTransport.Posix>, serving: Task<Void, any Error>, grace: Duration
    ) async {
        // Whichever comes first: the bind, or the serve task ending without one (neither wait can be cancelled, so
        // the other is left to finish on its own).
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = Mutex(false)
            let resume: @Sendable () -> Void = {
                if resumed.withLock({ done in defer { done = true }; return !done }) { continuation.resume() }
            }
            Task {
                _ = try? await server.transport.listeningAddress
                resume()
            }
            Task {
                _ = await serving.result
                resume()
            }
        }
        server.beginGracefulShutdown()
        await wait(for: serving, grace: grace)
    }

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
