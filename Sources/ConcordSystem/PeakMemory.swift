#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The most resident memory this process has held so far (its peak RSS), as the kernel counts it: what a
/// run reports so that its memory can be compared with another run's.
public enum PeakMemory {
    /// The peak resident set size in bytes: `VmHWM` of /proc/self/status on Linux, `ru_maxrss` elsewhere;
    /// nil when neither can be read.
    public static func residentBytes() -> Int? {
        #if os(Linux)
            if let text = readStatus(), let bytes = parseHighWaterMark(text) { return bytes }
        #endif
        var usage = rusage()
        #if canImport(Darwin)
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
            return Int(usage.ru_maxrss)
        #else
            guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
            return Int(usage.ru_maxrss) * 1024
        #endif
    }

    /// The `VmHWM:` line of /proc/self/status ("VmHWM:   123456 kB"), in bytes.
    package static func parseHighWaterMark(_ status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            let (bytes, overflow) = kibibytes.multipliedReportingOverflow(by: 1024)
            return overflow ? Int.max : bytes
        }
        return nil
    }

    #if os(Linux)
        private static func readStatus() -> String? {
            guard let file = fopen("/proc/self/status", "r") else { return nil }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
                if count <= 0 { break }
                bytes.append(contentsOf: buffer[0..<count])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    #endif
}
