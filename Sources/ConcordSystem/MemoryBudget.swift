#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How many bytes this process may still allocate, and which limit says so: what a loader or a model builder
/// checks a declared size against before it allocates, so that a configuration too large for the machine is
/// refused with a message instead of killed by the kernel (or aborted by the allocator) half-way.
///
/// ``current()`` reads the limits as they are now; tests, and callers that have already measured, pass a value
/// of their own (``init(availableBytes:limitedBy:)``). The reading is a snapshot: other processes allocate too,
/// so a check that passes is a good sign, not a promise.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    /// The bytes that may still be allocated (never negative).
    public let availableBytes: Int
    /// The limit that gave ``availableBytes``, in words a person can act on (e.g. "the address-space limit
    /// (ulimit -v)").
    public let limitedBy: String

    /// A budget of `availableBytes` (clamped at zero), as `limitedBy` says.
    ///
    /// - Parameters:
    ///   - availableBytes: the bytes that may still be allocated.
    ///   - limitedBy: what sets that figure, shown in refusals.
    public init(availableBytes: Int, limitedBy: String = "the given budget") {
        self.availableBytes = max(0, availableBytes)
        self.limitedBy = limitedBy
    }

    /// Whether `bytes` fit in the budget.
    public func allows(_ bytes: Int) -> Bool { bytes <= availableBytes }

    /// "3.1 GB available (the cgroup's memory.max)".
    public var description: String {
        "\(ByteCountText.describe(availableBytes)) available (\(limitedBy))"
    }

    /// The bytes this process may allocate now: the least of the memory the system has available
    /// (`MemAvailable` in /proc/meminfo), what the process's cgroups still allow (v2 `memory.max − memory.current`
    /// at every level of its cgroup path; v1 `memory.limit_in_bytes − memory.usage_in_bytes`), and what the
    /// resource limits leave (`RLIMIT_AS` minus the current virtual size, `RLIMIT_DATA` minus the current data
    /// size). Off Linux, or where /proc cannot be read, the physical memory.
    public static func current() -> MemoryBudget {
        var candidates: [MemoryBudget] = []
        #if os(Linux)
            if let text = readFile("/proc/meminfo"), let available = parseMemAvailable(text) {
                candidates.append(MemoryBudget(availableBytes: available, limitedBy: "the system's MemAvailable"))
            }
            if let text = readFile("/proc/self/cgroup") {
                candidates += cgroupBudgets(parseCgroupMembership(text))
            }
            candidates += resourceLimitBudgets()
        #endif
        if candidates.isEmpty {
            candidates.append(MemoryBudget(availableBytes: physicalMemory(), limitedBy: "the physical memory"))
        }
        return candidates.min { $0.availableBytes < $1.availableBytes }
            ?? MemoryBudget(availableBytes: physicalMemory(), limitedBy: "the physical memory")
    }

    // MARK: - Parsing (package, for tests)

    /// The `MemAvailable:` line of /proc/meminfo, in bytes.
    package static func parseMemAvailable(_ meminfo: String) -> Int? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            let (bytes, overflow) = kibibytes.multipliedReportingOverflow(by: fields.count >= 3 ? 1024 : 1)
            return overflow ? Int.max : bytes
        }
        return nil
    }

    /// Where the process sits in each cgroup hierarchy, from /proc/self/cgroup: the v2 path (the `0::` line) and
    /// the v1 memory controller's path (the line whose controllers include `memory`).
    package struct CgroupMembership: Equatable {
        /// The unified (v2) hierarchy's path, e.g. `/user.slice/session-1.scope`.
        package var unified: String?
        /// The v1 memory controller's path.
        package var memoryV1: String?
    }

    /// Parses /proc/self/cgroup (`hierarchy-id:controllers:path` lines).
    package static func parseCgroupMembership(_ text: String) -> CgroupMembership {
        var membership = CgroupMembership()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[0] == "0" && fields[1].isEmpty {
                membership.unified = String(fields[2])
            } else if fields[1].split(separator: ",").contains("memory") {
                membership.memoryV1 = String(fields[2])
            }
        }
        return membership
    }

    /// The room a cgroup limit leaves: `limit − usage`, or nil when the limit reads "max" or cannot be read.
    package static func cgroupRoom(limit: String?, usage: String?) -> Int? {
        guard let limitText = limit?.trimmingWhitespace, limitText != "max", let limit = Int(limitText) else {
            return nil
        }
        let used = usage.flatMap { Int($0.trimmingWhitespace) } ?? 0
        return limit - used
    }

    // MARK: - Reading the system

    /// The cgroup limits on this process: v2 at every level from its own cgroup up to the root of the mount (a
    /// parent's limit binds its children too), then v1's memory controller. In a container whose cgroup
    /// namespace hides the path, the mount's root is the process's own cgroup, and is read as well.
    private static func cgroupBudgets(_ membership: CgroupMembership) -> [MemoryBudget] {
        var budgets: [MemoryBudget] = []
        if let path = membership.unified {
            var components = path.split(separator: "/").map(String.init)
            var seen = Set<String>()
            while true {
                let folder = "/sys/fs/cgroup" + (components.isEmpty ? "" : "/" + components.joined(separator: "/"))
                if seen.insert(folder).inserted,
                    let room = cgroupRoom(
                        limit: readFile(folder + "/memory.max"), usage: readFile(folder + "/memory.current"))
                {
                    budgets.append(MemoryBudget(availableBytes: room, limitedBy: "\(folder)/memory.max"))
                }
                if components.isEmpty { break }
                components.removeLast()
            }
        }
        if let path = membership.memoryV1 {
            for folder in ["/sys/fs/cgroup/memory" + (path == "/" ? "" : path), "/sys/fs/cgroup/memory"] {
                if let room = cgroupRoom(
                    limit: readFile(folder + "/memory.limit_in_bytes"),
                    usage: readFile(folder + "/memory.usage_in_bytes"))
                {
                    budgets.append(MemoryBudget(availableBytes: room, limitedBy: "\(folder)/memory.limit_in_bytes"))
                    break
                }
            }
        }
        return budgets
    }

    #if os(Linux)
        /// `RLIMIT_AS` minus the virtual size and `RLIMIT_DATA` minus the data size, from /proc/self/statm, where
        /// either limit is set.
        private static func resourceLimitBudgets() -> [MemoryBudget] {
            let pageSize = max(1, sysconf(Int32(_SC_PAGESIZE)))
            let statm = readFile("/proc/self/statm").map { $0.split(separator: " ").compactMap { Int($0) } } ?? []
            // statm: size resident shared text lib data dt, in pages.
            let virtualSize = statm.count > 0 ? statm[0] * pageSize : 0
            let dataSize = statm.count > 5 ? statm[5] * pageSize : 0
            var budgets: [MemoryBudget] = []
            for (resource, used, name) in [
                (RLIMIT_AS, virtualSize, "the address-space limit (ulimit -v)"),
                (RLIMIT_DATA, dataSize, "the data-segment limit (ulimit -d)"),
            ] {
                var limit = rlimit()
                // RLIM_INFINITY is all ones (a macro Swift does not import).
                guard getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max
                else { continue }
                let cap = limit.rlim_cur > UInt(Int.max) ? Int.max : Int(limit.rlim_cur)
                budgets.append(MemoryBudget(availableBytes: cap - used, limitedBy: name))
            }
            return budgets
        }
    #endif

    /// The physical memory, from `sysconf`; a conservative 1 GiB when even that cannot be read.
    private static func physicalMemory() -> Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 30 }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : bytes
    }

    /// A small text file's contents (the /proc and /sys files read here are a few kilobytes at most), or nil.
    private static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { _ = close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    /// The text without leading and trailing spaces and newlines.
    fileprivate var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
