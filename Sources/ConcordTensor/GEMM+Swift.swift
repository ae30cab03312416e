// TEMPORARY naive kernel until the blocked one lands.
/// Portable kernel.
public struct SwiftGEMM: GEMMKernel {
    /// Name.
    public var name: String { "Swift (portable)" }
    /// Creates it.
    public init() {}
    /// Naive.
    public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]) }
            c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
        } }
    }
}
