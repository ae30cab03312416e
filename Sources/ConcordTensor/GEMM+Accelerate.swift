#if canImport(Accelerate)
    import Accelerate

    /// GEMM through Apple's Accelerate framework (`cblas_sgemm`).
    public struct AccelerateGEMM: GEMMKernel {
        /// "Accelerate".
        public var name: String { "Accelerate" }

        /// Creates the backend.
        public init() {}

        /// Computes C ← alpha · op(A) · op(B) + beta · C with Accelerate's `cblas_sgemm`.
        public func sgemm(
            transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
            alpha: Float, a: UnsafePointer<Float>, lda: Int,
            b: UnsafePointer<Float>, ldb: Int,
            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
        ) {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }
#endif
