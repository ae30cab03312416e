import Foundation

/// The accuracy-and-loss chart, drawn on the server as inline SVG: no script, no CDN, and a page saved or
/// printed shows it as it was.
enum DashboardChart {
    static let width = 640.0
    static let height = 240.0
    static let margin = (left: 48.0, right: 48.0, top: 26.0, bottom: 32.0)

    /// The chart of test accuracy (left axis, 0–100%) and loss (right axis, 0 to the largest loss) against
    /// round, one point per evaluated round; each accuracy point is a `circle` with `data-round` and
    /// `data-accuracy`, so a test can read what is drawn.
    static func svg(_ rounds: [DashboardSnapshot.Round], planned: Int?) -> String {
        let evaluated = rounds.filter { $0.accuracy != nil }
        let lastRound = max(planned ?? 0, rounds.last?.round ?? 0, 1)
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        func x(_ round: Int) -> Double {
            margin.left + (lastRound == 1 ? plotWidth / 2 : Double(round - 1) / Double(lastRound - 1) * plotWidth)
        }
        let maxLoss = max(evaluated.compactMap(\.loss).filter(\.isFinite).max() ?? 1, 1e-9)
        func yAccuracy(_ value: Double) -> Double { margin.top + (1 - min(max(value, 0), 1)) * plotHeight }
        func yLoss(_ value: Double) -> Double {
            margin.top + (1 - min(max(value.isFinite ? value / maxLoss : 1, 0), 1)) * plotHeight
        }
        var svg = """
            <svg id="accuracy-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(f(width)) \(f(height))" \
            width="\(f(width))" height="\(f(height))" role="img" aria-label="test accuracy and loss by round">
            <rect x="\(f(margin.left))" y="\(f(margin.top))" width="\(f(plotWidth))" height="\(f(plotHeight))" \
            fill="#fafafa" stroke="#ccc"/>

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let y = yAccuracy(tick)
            svg += """
                <line x1="\(f(margin.left))" x2="\(f(width - margin.right))" y1="\(f(y))" y2="\(f(y))" stroke="#eee"/>\
                <text x="\(f(margin.left - 6))" y="\(f(y + 4))" text-anchor="end" class="axis">\(Int(tick * 100))%</text>\
                <text x="\(f(width - margin.right + 6))" y="\(f(y + 4))" class="axis">\(g(tick * maxLoss))</text>

                """
        }
        for round in roundTicks(lastRound) {
            svg += """
                <text x="\(f(x(round)))" y="\(f(height - margin.bottom + 16))" text-anchor="middle" class="axis">\
                \(round)</text>

                """
        }
        svg += """
            <text x="\(f(margin.left + plotWidth / 2))" y="\(f(height - 2))" text-anchor="middle" class="axis">round\
            </text>

            """
        if evaluated.count > 1 {
            let accuracyPath = evaluated.map { "\(f(x($0.round))),\(f(yAccuracy($0.accuracy ?? 0)))" }
            svg +=
                "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"\(accuracyPath.joined(separator: " "))\"/>\n"
            let lossPath = evaluated.compactMap { row in row.loss.map { "\(f(x(row.round))),\(f(yLoss($0)))" } }
            svg +=
                "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" points=\"\(lossPath.joined(separator: " "))\"/>\n"
        }
        for row in evaluated {
            let accuracy = row.accuracy ?? 0
            svg += """
                <circle class="accuracy-point" data-round="\(row.round)" data-accuracy="\(accuracy)" \
                cx="\(f(x(row.round)))" cy="\(f(yAccuracy(accuracy)))" r="3" fill="#1f77b4">\
                <title>round \(row.round): \(String(format: "%.2f", accuracy * 100))%</title></circle>

                """
        }
        svg += """
            <text x="\(f(margin.left))" y="14" class="legend" fill="#1f77b4">— test accuracy (left)</text>\
            <text x="\(f(width - margin.right))" y="14" text-anchor="end" class="legend" fill="#d62728">\
            - - loss (right)</text>
            </svg>
            """
        return svg
    }

    /// At most about ten round numbers along the axis.
    private static func roundTicks(_ last: Int) -> [Int] {
        let step = max(1, Int((Double(last) / 10).rounded(.up)))
        var ticks = Array(stride(from: 1, through: last, by: step))
        if ticks.last != last { ticks.append(last) }
        return ticks
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
    private static func g(_ value: Double) -> String { String(format: "%.3g", value) }
}
