import Hummingbird

/// Answers only requests addressed to a loopback name (`Host: 127.0.0.1:…`, `localhost:…`, `[::1]:…`): a web page
/// on another site that rebinds its own name to 127.0.0.1 sends its own name as the host, and is refused.
struct LoopbackHostMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let authority = request.head.authority ?? ""
        guard DashboardServer.isLoopback(Self.host(of: authority)) else {
            return Response(
                status: .misdirectedRequest,
                body: ResponseBody(
                    byteBuffer: ByteBuffer(string: "the dashboard answers only requests to a loopback address\n")))
        }
        return try await next(request, context)
    }

    /// The host of `HOST[:PORT]`, brackets kept for IPv6.
    static func host(of authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        return authority.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
    }
}
