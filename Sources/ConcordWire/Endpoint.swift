/// A host and a port, as written `HOST:PORT` in a configuration or on the command line.
public struct Endpoint: Sendable, Equatable {
    /// The host name or IP address.
    public var host: String
    /// The port; 0 asks the system for a free one when listening.
    public var port: Int

    /// Creates an endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT` (the last colon separates them); nil when the host is empty or the port is not
    /// a number in 0…65535.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), colon > text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        self.init(host: String(text[..<colon]), port: port)
    }
}
