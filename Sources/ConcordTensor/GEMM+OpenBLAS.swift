#if canImport(Glibc)
    import Glibc

    /// GEMM through OpenBLAS, loaded with `dlopen` at run time.
    ///
    /// Loading at run time rather than linking means Concord starts where no BLAS is
    /// installed (it falls back to ``SwiftGEMM``), and lets Concord name the CPU core in
    /// `OPENBLAS_CORETYPE` before OpenBLAS reads it in its load-time constructor: Debian's
    /// OpenBLAS 0.3.21 misdetects recent Xeons and would otherwise run its slow generic kernel.
    public struct OpenBLAS: GEMMKernel, @unchecked Sendable {
        // @unchecked: only C function pointers into a library that is never unloaded.
        private typealias SGEMM =
            @convention(c) (
                Int32, Int32, Int32, Int32, Int32, Int32, Float,
                UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
                UnsafeMutablePointer<Float>?, Int32
            ) -> Void
        private typealias SetThreads = @convention(c) (Int32) -> Void
        private typealias GetString = @convention(c) () -> UnsafePointer<CChar>?

        private let sgemmFunction: SGEMM
        private let setThreadsFunction: SetThreads?

        /// The OpenBLAS core (kernel family) in use, e.g. "SkylakeX"; "Prescott" means the generic fallback.
        public let coreName: String
        /// OpenBLAS's build description (version, options).
        public let config: String
        /// The library file that was loaded.
        public let path: String
        /// How the core was chosen, for reports.
        public let loadNote: String

        /// "OpenBLAS" followed by the core name.
        public var name: String { "OpenBLAS \(coreName)" }

        /// Why OpenBLAS could not be used.
        public struct LoadError: Error, CustomStringConvertible {
            /// A message a person can act on.
            public let description: String
        }

        /// The library names tried, in order, when no explicit path is given.
        public static let candidatePaths = [
            "libopenblas.so.0",
            "libopenblas.so",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0",
        ]

        /// Loads OpenBLAS, first naming this CPU's core in `OPENBLAS_CORETYPE` unless the user set it,
        /// and limiting it to one thread per call unless `OPENBLAS_NUM_THREADS` says otherwise.
        ///
        /// - Parameter explicitPath: a library path to load instead of the usual candidates.
        /// - Returns: the loaded backend, or why it could not be loaded.
        public static func load(explicitPath: String? = nil) -> Result<OpenBLAS, LoadError> {
            var note: String
            if let userCore = environmentValue("OPENBLAS_CORETYPE") {
                note = "OPENBLAS_CORETYPE=\(userCore) set by the user"
            } else if let core = CPUFeatures.current.openBLASCoreType {
                setEnvironmentDefault("OPENBLAS_CORETYPE", core)
                note = "core \(core) chosen from the CPU's features"
            } else {
                note = "core left to OpenBLAS's own detection"
            }
            setEnvironmentDefault("OPENBLAS_NUM_THREADS", "1")

            let paths = explicitPath.map { [$0] } ?? candidatePaths
            var handle: UnsafeMutableRawPointer?
            var loadedPath = ""
            for path in paths {
                if let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) {
                    handle = h
                    loadedPath = path
                    break
                }
            }
            guard let handle else {
                return .failure(
                    LoadError(
                        description:
                            "OpenBLAS not found (tried \(paths.joined(separator: ", "))); install it with `apt-get install libopenblas0-pthread`"
                    ))
            }
            guard let sgemmSymbol = dlsym(handle, "cblas_sgemm") else {
                return .failure(LoadError(description: "\(loadedPath) has no cblas_sgemm"))
            }
            let sgemm = unsafeBitCast(sgemmSymbol, to: SGEMM.self)
            let setThreads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
            func string(_ symbol: String) -> String {
                guard let pointer = dlsym(handle, symbol),
                    let text = unsafeBitCast(pointer, to: GetString.self)()
                else { return "unknown" }
                return String(cString: text)
            }
            let core = string("openblas_get_corename")
            if core.lowercased() == "prescott" {
                note += "; generic Prescott kernel in use, slow: set OPENBLAS_CORETYPE for this CPU"
            }
            return .success(
                OpenBLAS(
                    sgemmFunction: sgemm, setThreadsFunction: setThreads,
                    coreName: core, config: string("openblas_get_config"), path: loadedPath, loadNote: note))
        }

        /// Sets how many threads OpenBLAS may use for one call.
        public func setThreads(_ count: Int) {
            setThreadsFunction?(Int32(clamping: max(1, count)))
        }

        /// Computes C ← alpha · op(A) · op(B) + beta · C with `cblas_sgemm` (row-major).
        public func sgemm(
            transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
            alpha: Float, a: UnsafePointer<Float>, lda: Int,
            b: UnsafePointer<Float>, ldb: Int,
            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
        ) {
            let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112
            sgemmFunction(
                rowMajor, transA ? trans : noTrans, transB ? trans : noTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }
#endif
