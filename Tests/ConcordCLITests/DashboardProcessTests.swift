import ConcordStore
import Foundation
import Testing

/// `concord serve --dashboard`: the page loaded in headless Chromium and `/metrics` read by Prometheus's own
/// parser show exactly the rounds the store holds.
@Suite("The coordinator's dashboard and /metrics", .serialized)
struct DashboardProcessTests {
    typealias Federation = FederationProcessTests.Federation

    @Test("the page in headless Chromium and /metrics parsed by prometheus_client match the store")
    func dashboardAndMetricsMatchTheStore() async throws {
        let chromium = try ExternalTool.chromium()
        let curl = try #require(ExternalTool.find(["curl"]), "curl is needed to read /metrics")
        let federation = try await Federation()
        defer { federation.remove() }
        _ = try federation.configure(rounds: 5, model: "logreg")
        let dashboardPortFile = federation.path("dashboard-port")
        let (coordinator, port) = try await federation.serve(
            log: "serve.log", arguments: ["--dashboard", "127.0.0.1:0", "--dashboard-port-file", dashboardPortFile])
        let portText = try #require(
            await coordinator.waitForFile(dashboardPortFile, timeout: 60), "no dashboard: \(coordinator.output)")
        let dashboardPort = try #require(Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let nodes = try FederationProcessTests.names.map { try federation.node($0, port: port) }
        let store = federation.path("run.sqlite")

        // Held after a round or two, so that what the page shows and what the store holds can be compared.
        #expect(await coordinator.waitFor("round 1/5", timeout: 120), "\(coordinator.output)")
        let pause = try await Concord.run(["run", "pause", "--store", store])
        #expect(pause.status == 0, "\(pause.stderr)")
        #expect(await coordinator.waitFor("paused by the operator", timeout: 60), "\(coordinator.output)")
        let database = try SQLiteRunStore(path: store)
        let run = try #require(try database.runs().first)
        let records = try database.rounds(run: run.id)
        #expect(!records.isEmpty && records.count < 5, "\(records.count) rounds committed")

        let url = "http://127.0.0.1:\(dashboardPort)/"
        let dom = try await ExternalTool.run(
            chromium, ExternalTool.chromiumFlags(profile: federation.path("chromium")) + ["--dump-dom", url])
        #expect(dom.status == 0, "chromium: \(dom.stderr)")
        let page = dom.text
        // The round table: one row per committed round, with its accuracy.
        let tableRounds = Self.values(of: "data-round", after: "<tr class=\"round\" ", in: page).compactMap(Int.init)
        #expect(tableRounds.sorted() == records.map(\.round), "round table: \(tableRounds)\n\(page)")
        for record in records {
            let accuracy = try #require(record.evaluation?.accuracy)
            #expect(page.contains(String(format: "%.2f%%", accuracy * 100)), "round \(record.round)'s accuracy")
        }
        // The chart: one point per evaluated round, at the store's accuracy.
        let points = Self.values(of: "data-round", after: "<circle class=\"accuracy-point\" ", in: page)
            .compactMap(Int.init)
        let drawn = Self.values(of: "data-accuracy", after: "<circle class=\"accuracy-point\" ", in: page)
            .compactMap(Double.init)
        #expect(points == records.filter { $0.evaluation != nil }.map(\.round), "chart points: \(points)")
        #expect(drawn == records.compactMap { $0.evaluation?.accuracy }, "chart accuracies: \(drawn)")
        #expect(page.contains("paused by the operator"))
        for name in FederationProcessTests.names { #expect(page.contains("<td>\(name)</td>"), "participant \(name)") }

        let screenshot = federation.path("dashboard.png")
        let shot = try await ExternalTool.run(
            chromium,
            ExternalTool.chromiumFlags(profile: federation.path("chromium"))
                + ["--hide-scrollbars", "--window-size=1150,1000", "--screenshot=\(screenshot)", url])
        #expect(shot.status == 0, "chromium: \(shot.stderr)")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        if let keep = ProcessInfo.processInfo.environment["CONCORD_DASHBOARD_SCREENSHOT"] {
            try png.write(to: URL(fileURLWithPath: keep))
        }

        let scraped = try await ExternalTool.run(curl, ["-sf", "\(url)metrics"])
        #expect(scraped.status == 0, "curl /metrics: \(scraped.stderr)")
        let samples = try await PrometheusText.parse(scraped.text)
        let count = Double(records.count)
        #expect(samples.value("concord_rounds_completed_total") == count, "\(scraped.text)")
        #expect(samples.value("concord_round_duration_seconds_count") == count)
        let seconds = records.map(\.seconds).reduce(0, +)
        #expect(abs((samples.value("concord_round_duration_seconds_sum") ?? -1) - seconds) <= 1e-9 * max(seconds, 1))
        #expect(samples.value("concord_round_duration_seconds_bucket", ["le": "+Inf"]) == count)
        #expect(samples.value("concord_test_accuracy") == records.last?.evaluation?.accuracy)
        // swift-prometheus writes 16 significant digits, which need not round-trip a Double's last bit.
        let loss = try #require(records.last?.evaluation?.loss)
        #expect(abs((samples.value("concord_test_loss") ?? -1) - loss) <= 1e-14 * loss, "\(scraped.text)")
        let answered = Double(records.map(\.succeeded).reduce(0, +))
        #expect(samples.value("concord_participant_results_total", ["outcome": "answered"]) == answered)
        #expect(samples.value("concord_participant_results_total", ["outcome": "failed"]) == 0)
        #expect(samples.value("concord_round_participants_answered") == Double(records.last?.succeeded ?? -1))
        #expect(samples.value("concord_participants_connected") == 3)
        #expect((samples.value("concord_payload_bytes_total", ["direction": "in"]) ?? 0) > 0)
        #expect((samples.value("concord_payload_bytes_total", ["direction": "out"]) ?? 0) > 0)

        // A request whose Host is not a loopback name (DNS rebinding) is refused.
        let rebound = try await ExternalTool.run(
            curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: attacker.example", url])
        #expect(rebound.text == "421", "a foreign Host got \(rebound.text)")

        let resume = try await Concord.run(["run", "resume", "--store", store])
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(await coordinator.wait(timeout: 120) == 0, "\(coordinator.output)")
        #expect(coordinator.output.contains("resumed by the operator"), "\(coordinator.output)")
        for node in nodes { #expect(await node.wait(timeout: 30) == 0, "\(node.output)") }

        // The same page, read-only, from the finished run's store.
        let readOnlyPortFile = federation.path("readonly-port")
        let readOnly = try BackgroundProcess(
            ["dashboard", "--store", store, "--listen", "127.0.0.1:0", "--port-file", readOnlyPortFile],
            log: federation.folder.appendingPathComponent("dashboard.log"))
        let readOnlyPort = try #require(
            await readOnly.waitForFile(readOnlyPortFile, timeout: 60).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }, "concord dashboard never listened: \(readOnly.output)")
        let finished = try await ExternalTool.run(curl, ["-sf", "http://127.0.0.1:\(readOnlyPort)/"])
        readOnly.kill()
        let finishedRows = Self.values(of: "data-round", after: "<tr class=\"round\" ", in: finished.text)
        #expect(finishedRows.count == 5, "\(finished.text)")
        #expect(finished.text.contains("Read from the store"))
    }

    @Test("simulate --dashboard shows the in-process run's rounds as they finish")
    func simulationDashboard() async throws {
        let curl = try #require(ExternalTool.find(["curl"]), "curl is needed to read the dashboard")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("concord-simdash-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let portFile = folder.appendingPathComponent("port").path
        let simulation = try BackgroundProcess(
            [
                "simulate", "--model", "logreg", "--clients", "20", "--fraction", "0.5", "--rounds", "15",
                "--dashboard", "127.0.0.1:0", "--dashboard-port-file", portFile,
            ], log: folder.appendingPathComponent("simulate.log"))
        let port = try #require(
            await simulation.waitForFile(portFile, timeout: 60).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }, "no dashboard: \(simulation.output)")
        var rounds: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(60)
        while rounds.isEmpty, Date() < deadline {
            let state = try await ExternalTool.run(curl, ["-sf", "http://127.0.0.1:\(port)/api/state"])
            let json = (try? JSONSerialization.jsonObject(with: state.stdout)) as? [String: Any]
            rounds = json?["rounds"] as? [[String: Any]] ?? []
            #expect(json == nil || json?["live"] as? Bool == true)
            if rounds.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!rounds.isEmpty, "the dashboard showed no round: \(simulation.output)")
        #expect(rounds.first?["round"] as? Int == 1)
        #expect(await simulation.wait(timeout: 120) == 0, "\(simulation.output)")
    }

    @Test("a dashboard address other than loopback is refused with what to do instead")
    func refusesNonLoopback() async throws {
        let result = try await Concord.run(["dashboard", "--store", "/nonexistent.sqlite", "--listen", "0.0.0.0:8080"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("only on loopback") && result.stderr.contains("ssh -L"), "\(result.stderr)")
    }

    /// The values of `attribute` in the tags that start with `prefix`, in order.
    static func values(of attribute: String, after prefix: String, in page: String) -> [String] {
        page.components(separatedBy: prefix).dropFirst().compactMap { tag in
            guard let end = tag.firstIndex(of: ">") else { return nil }
            let head = tag[..<end]
            guard let range = head.range(of: "\(attribute)=\"") else { return nil }
            let rest = head[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
    }
}
