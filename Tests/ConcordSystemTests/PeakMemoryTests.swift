import ConcordSystem
import Testing

@Suite("Peak resident memory")
struct PeakMemoryTests {
    @Test func readsTheHighWaterMarkLine() {
        let status = "Name:\tconcord\nVmPeak:\t  900000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n"
        #expect(PeakMemory.parseHighWaterMark(status) == 123_456 * 1024)
        #expect(PeakMemory.parseHighWaterMark("VmRSS:\t 1 kB\n") == nil)
        #expect(PeakMemory.parseHighWaterMark("VmHWM:\t lots kB\n") == nil)
    }

    @Test func thisProcessHasAPeakAtLeastAsLargeAsWhatItTouches() throws {
        let before = try #require(PeakMemory.residentBytes())
        var block = [UInt8](repeating: 1, count: 64 << 20)
        block[block.count - 1] = 2
        let after = try #require(PeakMemory.residentBytes())
        #expect(after >= before)
        #expect(after >= 64 << 20, "a process that touched 64 MiB has a peak of at least that")
        #expect(block.last == 2)
    }
}
