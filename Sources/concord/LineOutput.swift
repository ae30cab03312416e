import Foundation

/// Writes a line to standard output at once, unbuffered: long-running processes (a coordinator, a node)
/// whose output goes to a log file must not hold their lines back until they exit.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
