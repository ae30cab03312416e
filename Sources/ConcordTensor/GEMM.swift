/// A single-precision general matrix multiply on row-major matrices:
/// C ← alpha · op(A) · op(B) + beta · C, with op(A) m×k and op(B) k×n.
///
/// Backends live beside this file: `GEMM+OpenBLAS.swift` (loaded at run time, so
/// Concord runs where no BLAS is installed), `GEMM+Accelerate.swift` on Apple
/// platforms, and `GEMM+Swift.swift`, the portable fallback.
public protocol GEMMKernel: Sendable {
    /// A short name for reports, e.g. "OpenBLAS SkylakeX" or "Swift (portable)".
    var name: String { get }
    /// Computes C ← alpha · op(A) · op(B) + beta · C on row-major storage.
    /// `transA`: A is stored k×m (leading dimension lda) and used transposed; likewise `transB` (B stored n×k).
    /// When beta == 0, C is overwritten without being read (it may hold NaN/garbage).
    func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    )
}

/// The process-wide GEMM backend, chosen once on first use.
public enum GEMM {
    /// The backend every layer uses: the platform BLAS when it can be loaded, else the portable kernel.
    ///
    /// Set `CONCORD_BLAS=swift` to force the portable kernel, or `CONCORD_BLAS=/path/to/libopenblas.so`
    /// to load a particular library.
    public static let kernel: any GEMMKernel = selectKernel()

    /// Why the backend in ``kernel`` was chosen (or why the BLAS was not used), for reports.
    public static var selectionNote: String { selection.note }

    private static let selection: (kernel: any GEMMKernel, note: String) = {
        let request = environmentValue("CONCORD_BLAS")
        if request == "swift" {
            return (SwiftGEMM(), "portable kernel requested by CONCORD_BLAS=swift")
        }
        #if canImport(Accelerate)
            return (AccelerateGEMM(), "Accelerate framework")
        #else
            switch OpenBLAS.load(explicitPath: request) {
            case .success(let blas): return (blas, blas.loadNote)
            case .failure(let error): return (SwiftGEMM(), "\(error); using the portable Swift kernel")
            }
        #endif
    }()

    private static func selectKernel() -> any GEMMKernel { selection.kernel }

    /// Sets how many threads the BLAS may use for one call (no effect on the portable kernel).
    public static func setThreads(_ count: Int) {
        #if !canImport(Accelerate)
            (kernel as? OpenBLAS)?.setThreads(count)
        #endif
    }

    /// C ← alpha · op(A) · op(B) + beta · C on buffers, with leading dimensions taken as packed.
    @inlinable
    public static func multiply(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, transposeA transA: Bool = false, transposeB transB: Bool = false,
        alpha: Float = 1, beta: Float = 0
    ) {
        kernel.sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k,
            alpha: alpha, a: a, lda: transA ? m : k,
            b: b, ldb: transB ? k : n,
            beta: beta, c: c, ldc: n)
    }
}

/// Matrix products on whole tensors, for tests and code off the hot path.
extension Tensor {
    /// The matrix product of two rank-2 tensors, with optional transposition of either.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner dimensions differ: \(shape) and \(other.shape)")
        return Tensor(uninitializedShape: [m, n]) { c in
            withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    guard let c = c.baseAddress else { return }
                    guard k > 0, let a = a.baseAddress, let b = b.baseAddress else {
                        c.initialize(repeating: 0, count: m * n)
                        return
                    }
                    GEMM.multiply(
                        a, b, into: c, m: m, n: n, k: k,
                        transposeA: transposeSelf, transposeB: transposeOther)
                }
            }
        }
    }
}
