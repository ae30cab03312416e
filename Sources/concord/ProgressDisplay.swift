import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Progress for long-running commands: a bar redrawn in place on a terminal, plain lines otherwise
/// (logs, CI, pipes), so output stays readable in both.
final class ProgressDisplay {
    /// Whether standard output is a terminal.
    let interactive: Bool
    private var lastDraw = 0.0
    private var lastLinePercent = -1
    private let width = 30
    private let plainUpdates: Bool

    /// Creates a display; `interactive` defaults to whether standard output is a terminal, and
    /// `plainUpdates` says whether progress within a step prints lines when it is not.
    init(interactive: Bool = isatty(STDOUT_FILENO) == 1, plainUpdates: Bool = true) {
        self.interactive = interactive
        self.plainUpdates = plainUpdates
    }

    /// Reports `done` of `total` units with a short status; redraws at most ten times a second
    /// on a terminal, and prints a plain line every 10% otherwise (when `plainUpdates`).
    func update(label: String, done: Int, total: Int, status: String) {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        if interactive {
            let now = Date().timeIntervalSince1970
            guard done == total || now - lastDraw >= 0.1 else { return }
            lastDraw = now
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            print("\r\u{1B}[2K\(label) \(bar) \(String(format: "%3.0f%%", fraction * 100)) \(status)", terminator: "")
            fflush(nil)
        } else if plainUpdates {
            let percent = Int(fraction * 10) * 10
            guard percent > lastLinePercent, percent < 100 || done == total else { return }
            lastLinePercent = percent
            print("\(label) \(percent)% \(status)")
        }
    }

    /// Ends the current bar (a newline on a terminal) and prints a summary line.
    func finish(_ line: String) {
        if interactive { print("\r\u{1B}[2K", terminator: "") }
        lastLinePercent = -1
        print(line)
        fflush(nil)
    }
}
