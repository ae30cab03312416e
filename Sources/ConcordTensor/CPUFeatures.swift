#if canImport(Glibc)
    import Glibc
#endif

/// The instruction-set extensions of this CPU that decide which BLAS kernel is fastest.
public struct CPUFeatures: Sendable, Equatable {
    /// AVX-512 foundation plus the DQ/BW/VL subsets OpenBLAS's SkylakeX kernels use.
    public var avx512: Bool
    /// AVX2 with FMA, as OpenBLAS's Haswell kernels need.
    public var avx2: Bool

    /// Features read from the kernel's view of the CPU (`/proc/cpuinfo` on Linux).
    public static let current: CPUFeatures = {
        #if os(Linux)
            guard let flags = procCPUFlags() else { return CPUFeatures(avx512: false, avx2: false) }
            return CPUFeatures(flags: flags)
        #else
            return CPUFeatures(avx512: false, avx2: false)
        #endif
    }()

    /// Builds the feature set from a list of `/proc/cpuinfo` flag names.
    public init(flags: Set<Substring>) {
        avx512 = ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy { flags.contains(Substring($0)) }
        avx2 = flags.contains("avx2") && flags.contains("fma")
    }

    /// Builds the feature set directly.
    public init(avx512: Bool, avx2: Bool) {
        self.avx512 = avx512
        self.avx2 = avx2
    }

    /// The `OPENBLAS_CORETYPE` that gives this CPU OpenBLAS's fastest single-precision kernel,
    /// or nil to leave OpenBLAS's own detection alone.
    ///
    /// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and falls back to its
    /// generic "Prescott" kernel, several times slower; naming the core avoids that.
    public var openBLASCoreType: String? {
        if avx512 { return "SkylakeX" }
        if avx2 { return "Haswell" }
        return nil
    }

    #if os(Linux)
        private static func procCPUFlags() -> Set<Substring>? {
            guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>? = nil
            var capacity = 0
            defer { free(line) }
            while getline(&line, &capacity, file) > 0 {
                guard let line else { break }
                let text = String(cString: line)
                guard text.hasPrefix("flags") || text.hasPrefix("Features"),
                    let colon = text.firstIndex(of: ":")
                else { continue }
                return Set(
                    text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }))
            }
            return nil
        }
    #endif
}
