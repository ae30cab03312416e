import Foundation
import Testing

@testable import ConcordSystem

/// The memory budget: read from this machine it is sane; its parsers read what Linux writes.
@Suite("Memory budget")
struct MemoryBudgetTests {
    @Test("the current budget is positive, at most the physical memory, and names its limit")
    func currentIsSane() {
        let budget = MemoryBudget.current()
        #expect(budget.availableBytes > 0)
        #expect(UInt64(budget.availableBytes) <= ProcessInfo.processInfo.physicalMemory)
        #expect(!budget.limitedBy.isEmpty)
        #expect(MemoryBudget.current().availableBytes > 0, "a second reading works too")
    }

    @Test func memAvailableIsReadInBytes() {
        let meminfo = """
            MemTotal:       24523524 kB
            MemFree:         1032112 kB
            MemAvailable:   18234112 kB
            Buffers:          203344 kB
            """
        #expect(MemoryBudget.parseMemAvailable(meminfo) == 18_234_112 * 1024)
        #expect(MemoryBudget.parseMemAvailable("MemTotal: 5 kB\n") == nil)
    }

    @Test func cgroupMembershipOfBothVersions() {
        #expect(
            MemoryBudget.parseCgroupMembership("0::/user.slice/user-1000.slice/session-3.scope\n")
                == .init(unified: "/user.slice/user-1000.slice/session-3.scope", memoryV1: nil))
        let v1 = """
            12:cpu,cpuacct:/docker/abc
            4:memory:/docker/abc
            1:name=systemd:/docker/abc
            0::/
            """
        #expect(MemoryBudget.parseCgroupMembership(v1) == .init(unified: "/", memoryV1: "/docker/abc"))
    }

    @Test func cgroupRoomIsLimitMinusUsage() {
        #expect(MemoryBudget.cgroupRoom(limit: "max\n", usage: "123\n") == nil)
        #expect(MemoryBudget.cgroupRoom(limit: "4294967296\n", usage: "1073741824\n") == 3_221_225_472)
        #expect(MemoryBudget.cgroupRoom(limit: nil, usage: "1") == nil)
        #expect(MemoryBudget.cgroupRoom(limit: "1000", usage: nil) == 1000)
    }

    @Test func anInjectedBudgetIsClampedAtZeroAndSaysItsLimit() {
        let budget = MemoryBudget(availableBytes: -5, limitedBy: "a test")
        #expect(budget.availableBytes == 0 && !budget.allows(1) && budget.allows(0))
        #expect(
            MemoryBudget(availableBytes: 3_100_000_000, limitedBy: "a test").description == "3.1 GB available (a test)")
    }

    @Test(arguments: [
        (0, "0 bytes"), (999, "999 bytes"), (1_000, "1.0 kB"), (392_016, "392 kB"), (3_100_000_000, "3.1 GB"),
        (11_760_000_016, "11.8 GB"), (69_554_143_392, "69.6 GB"), (999_999_999, "1.0 GB"), (Int.max, "9.2 EB"),
    ])
    func byteCounts(bytes: Int, text: String) {
        #expect(ByteCountText.describe(bytes) == text)
    }

    @Test func groupedCounts() {
        #expect(ByteCountText.grouped(3_000_000) == "3,000,000")
        #expect(ByteCountText.grouped(4_347_133_962) == "4,347,133,962")
        #expect(ByteCountText.grouped(999) == "999")
        #expect(ByteCountText.grouped(-1_000) == "-1,000")
    }
}
