import Foundation

/// The dashboard's HTML: a whole page, whose live part (`#live`) a few lines of inline script fetch again from
/// `live` every two seconds. Everything is drawn on the server (the chart is inline SVG) and the page loads
/// nothing from anywhere else, so it works offline and shows its data even with scripts off.
enum DashboardPage {
    /// The whole page.
    static func page(_ snapshot: DashboardSnapshot) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <title>Concord — \(HTML.escape(snapshot.run))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1100px; }
        h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
        table { border-collapse: collapse; } td, th { padding: 2px 10px; border-bottom: 1px solid #e4e4e4; text-align: left; }
        th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .state { font-weight: 600; } .running, .connected, .training { color: #1a7f37; }
        .paused, .late, .dropped, .never { color: #9a6700; } .failed, .refused, .excluded { color: #cf222e; }
        .axis { font-size: 11px; fill: #666; } .legend { font-size: 12px; }
        pre { background: #f6f8fa; padding: .6em; max-height: 18em; overflow: auto; }
        .budget { display: inline-block; width: 240px; height: 12px; background: #eee; vertical-align: middle; }
        .budget span { display: block; height: 100%; background: #8250df; }
        .grid { display: flex; gap: 2em; flex-wrap: wrap; } .muted { color: #777; }
        </style></head>
        <body>
        <div id="live">\(live(snapshot))</div>
        <script>
        setInterval(async () => {
          try {
            const response = await fetch('live', {cache: 'no-store'});
            if (response.ok) document.getElementById('live').innerHTML = await response.text();
          } catch (e) {}
        }, 2000);
        </script>
        </body></html>
        """
    }

    /// The part of the page that changes: state, chart, rounds, participants, privacy, configuration.
    static func live(_ snapshot: DashboardSnapshot) -> String {
        let e = HTML.escape
        var html = "<h1>Run <code>\(e(snapshot.run))</code> — <span class=\"state \(e(snapshot.state))\">"
        html += "\(e(snapshot.state))</span></h1>\n<p>"
        if let reason = snapshot.reason { html += "\(e(reason)). " }
        html += "\(snapshot.rounds.count)" + (snapshot.plannedRounds.map { " of \($0)" } ?? "") + " rounds committed"
        if let round = snapshot.roundInProgress { html += "; round \(round) in progress" }
        html += "; \(snapshot.connectedCount) of \(snapshot.participants.count) participants connected. "
        html += "<span class=\"muted\">"
        html += snapshot.live ? "Live from the coordinator" : "Read from the store"
        html += ", \(e(ISO8601DateFormatter().string(from: snapshot.takenAt))).</span></p>\n"
        html += "<div class=\"grid\"><div>\n<h2>Test accuracy and loss</h2>\n"
        html += DashboardChart.svg(snapshot.rounds, planned: snapshot.plannedRounds) + "\n</div>\n<div>\n"
        html += privacy(snapshot) + participants(snapshot) + "</div></div>\n"
        html += rounds(snapshot)
        if !snapshot.failedTries.isEmpty {
            html += "<h2>Failed tries (retried, not committed)</h2>\n<ul>"
            html += snapshot.failedTries.map { "<li>\(e($0))</li>" }.joined() + "</ul>\n"
        }
        html += "<h2>Configuration</h2>\n<pre>\(e(snapshot.configuration))</pre>\n"
        return html
    }

    private static func privacy(_ snapshot: DashboardSnapshot) -> String {
        guard let spent = snapshot.epsilonSpent else { return "<h2>Privacy</h2>\n<p>No differential privacy.</p>\n" }
        var html = "<h2>Privacy</h2>\n<p id=\"epsilon\">ε spent: <b>\(String(format: "%.3f", spent))</b>"
        if let budget = snapshot.epsilonBudget, budget > 0 {
            let share = min(max(spent / budget, 0), 1)
            html += " of the budget \(String(format: "%.3g", budget)) "
            html +=
                "<span class=\"budget\"><span style=\"width: \(String(format: "%.1f", share * 100))%\"></span></span>"
        } else {
            html += " (no budget set)"
        }
        return html + "</p>\n"
    }

    private static func participants(_ snapshot: DashboardSnapshot) -> String {
        let e = HTML.escape
        var html = "<h2>Participants</h2>\n<table id=\"participants\"><tr><th>name</th><th>state</th>"
        html += "<th>last seen</th><th>detail</th></tr>\n"
        let time = ISO8601DateFormatter()
        for participant in snapshot.participants {
            let cssClass = participant.state.split(separator: " ").first.map(String.init) ?? ""
            html += "<tr><td>\(e(participant.name))</td><td class=\"state \(e(cssClass))\">\(e(participant.state))</td>"
            html += "<td>\(participant.lastSeen.map { e(time.string(from: $0)) } ?? "—")</td>"
            html += "<td>\(e(String(participant.detail.prefix(160))))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func rounds(_ snapshot: DashboardSnapshot) -> String {
        let e = HTML.escape
        let secure = snapshot.rounds.contains { $0.secureAggregation != nil }
        let dp = snapshot.rounds.contains { $0.epsilon != nil }
        var html = "<h2>Rounds</h2>\n<table id=\"rounds\"><tr><th>round</th><th>answered</th><th>failed</th>"
        html += "<th>test accuracy</th><th>loss</th>" + (dp ? "<th>ε</th>" : "") + "<th>seconds</th>"
        html += (secure ? "<th>secure aggregation</th>" : "") + "<th>failures</th></tr>\n"
        // Newest first: the latest round is what an operator looks for.
        for row in snapshot.rounds.reversed() {
            html += "<tr class=\"round\" data-round=\"\(row.round)\"><td class=\"n\">\(row.round)</td>"
            html += "<td class=\"n\">\(row.answered) of \(row.sampled)</td><td class=\"n\">\(row.failed)</td>"
            html += "<td class=\"n accuracy\">"
            html += row.accuracy.map { String(format: "%.2f%%", $0 * 100) } ?? "—"
            html += "</td><td class=\"n\">" + (row.loss.map { String(format: "%.4f", $0) } ?? "—") + "</td>"
            if dp { html += "<td class=\"n\">" + (row.epsilon.map { String(format: "%.3f", $0) } ?? "—") + "</td>" }
            html += "<td class=\"n\">\(String(format: "%.2f", row.seconds))</td>"
            if secure { html += "<td>\(e(row.secureAggregation ?? "—"))</td>" }
            html += "<td>\(e(row.failures.joined(separator: "; ")))</td></tr>\n"
        }
        return html + "</table>\n"
    }
}
