import ConcordWire

/// Where a coordinator is to serve its dashboard and `/metrics`, and whom to tell the port.
public struct DashboardRequest: Sendable {
    /// A loopback address (``DashboardServer/endpoint(parsing:)`` checks it); port 0 picks a free one.
    public var endpoint: Endpoint
    /// Called with the port once the dashboard listens; an error it throws ends the run.
    public var onListening: @Sendable (Int) throws -> Void

    /// Creates a request.
    public init(endpoint: Endpoint, onListening: @escaping @Sendable (Int) throws -> Void = { _ in }) {
        self.endpoint = endpoint
        self.onListening = onListening
    }
}
