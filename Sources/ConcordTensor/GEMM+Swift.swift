// The portable pure-Swift SGEMM: a cache-blocked kernel in the style of Goto/BLIS.
//
// Blocking scheme (loops from outermost to innermost):
//
//     for each nc-wide column block of op(B) / C             (jc)
//       for each kc-deep slab of the shared dimension         (pc)
//         pack op(B)[pc, jc] into nr-wide slivers             -> bPack (L2/L3)
//         for each mc-tall row block of op(A) / C             (ic)
//           pack op(A)[ic, pc] into mr-tall slivers           -> aPack (L2)
//           for each nr-wide sliver of bPack                  (jr; stays in L1)
//             for each mr-tall sliver of aPack                (ir)
//               micro-kernel: mr×nr tile of C += aSliver · bSliver (registers, kc steps)
//
// Packing applies the transpositions and zero-pads ragged edges, so the micro-kernel always
// computes a full mr×nr tile and only its store deals with edges. The first kc-slab applies
// the caller's beta, later slabs accumulate (beta = 1). With few rows of A, untransposed B is
// read in place instead of packed (see `directBMaxRows`).
//
// Target tuning. Swift's x86-64 baseline is SSE2 without FMA: there `addingProduct` becomes
// one `fmaf` libcall per lane, so the kernel multiplies and adds separately, uses SIMD8 rows
// (6×8 tile: 12 accumulators + 4 temporaries = the 16 XMM registers) and stores packed A values
// pre-broadcast as SIMD4s, since SSE has no broadcast-from-memory instruction. Building with an
// FMA-capable `-target-cpu` (e.g. haswell, skylake-avx512) plus `-DCONCORD_FMA` selects fused
// multiply-adds and a 6×16 tile instead; arm64 always fuses.

/// The portable single-precision GEMM, written in Swift with SIMD vectors.
///
/// Single-threaded and free of shared mutable state: packing buffers are allocated per
/// call, so one instance may be used from several threads at once.
public struct SwiftGEMM: GEMMKernel {
    /// "Swift (portable)".
    public var name: String { "Swift (portable)" }

    /// Creates the kernel; it holds no state.
    public init() {}

    /// Computes C ← alpha · op(A) · op(B) + beta · C on row-major storage.
    ///
    /// Follows BLAS conventions: with `k == 0` or `alpha == 0`, A and B are not read and
    /// C ← beta · C; with `beta == 0`, C is overwritten without being read.
    public func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
        precondition(
            lda >= (transA ? m : k) && ldb >= (transB ? k : n) && ldc >= n,
            "sgemm: leading dimension shorter than a row")
        if m == 0 || n == 0 { return }
        if k == 0 || alpha == 0 {
            Self.scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }

        Self.blocked(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

// The helpers are private static members so that their short names cannot collide with
// other declarations in the module.
extension SwiftGEMM {
    #if CONCORD_FMA
        private typealias Vector = SIMD16<Float>
    #else
        private typealias Vector = SIMD8<Float>
    #endif

    #if CONCORD_FMA || arch(arm64)
        /// Copies of each packed A value (broadcasts from memory are plain loads here).
        private static let aSplat = 1

        @inline(__always)
        private static func putA(_ x: Float, _ p: UnsafeMutablePointer<Float>) { p.pointee = x }

        @inline(__always)
        private static func splatA(_ p: UnsafePointer<Float>) -> Vector { Vector(repeating: p.pointee) }

        @inline(__always)
        private static func madd(_ c: Vector, _ a: Vector, _ b: Vector) -> Vector {
            c.addingProduct(a, b)
        }
    #else
        /// Copies of each packed A value: a SIMD4 per value, so a broadcast is a plain load.
        private static let aSplat = 4

        @inline(__always)
        private static func putA(_ x: Float, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: SIMD4(repeating: x), as: SIMD4<Float>.self)
        }

        @inline(__always)
        private static func splatA(_ p: UnsafePointer<Float>) -> Vector {
            let x = UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
            return Vector(lowHalf: x, highHalf: x)
        }

        @inline(__always)
        private static func madd(_ c: Vector, _ a: Vector, _ b: Vector) -> Vector { c + a * b }
    #endif

    /// Micro-tile rows (A values broadcast per k step).
    private static let mr = 6
    /// Micro-tile columns: one `Vector` per row.
    private static let nr = Vector.scalarCount
    /// Depth of a slab: a kc×nr sliver of B (8–16 KiB) stays in L1 while A slivers stream past.
    private static let kcBlock = 256
    /// Rows of A packed at once (mc×kc values: 144–576 KiB, inside L2).
    private static let mcBlock = 144
    /// Columns of B packed at once (kc×nc floats: up to 4 MiB, shared through L2/L3).
    private static let ncBlock = 4096
    /// Up to this many rows of op(A), untransposed B is read in place rather than packed: each
    /// B value is then used only a few times, and packing would cost as much as the arithmetic.
    private static let directBMaxRows = 4 * mr

    @inline(__always)
    private static func loadVector(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    private static func storeVector(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// The loop nest described at the top of the file, for m, n, k > 0 and alpha ≠ 0.
    private static func blocked(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let directB = !transB && m <= directBMaxRows
        let slabs = (k + kcBlock - 1) / kcBlock
        let kcMax = (k + slabs - 1) / slabs  // equal slabs: k = 784 gives 4 × 196, not 3 × 256 + 16
        let ncMax = directB ? nr : min((n + nr - 1) / nr * nr, ncBlock)
        let mcMax = min((m + mr - 1) / mr * mr, mcBlock)
        let bPack = UnsafeMutablePointer<Float>.allocate(capacity: kcMax * ncMax)
        let aPack = UnsafeMutablePointer<Float>.allocate(capacity: kcMax * mcMax * aSplat)
        defer { bPack.deallocate(); aPack.deallocate() }

        var jc = 0
        while jc < n {
            let nc = min(ncBlock, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(kcMax, k - pc)
                let slabBeta: Float = pc == 0 ? beta : 1
                if !directB {
                    packB(trans: transB, b: b, ldb: ldb, p0: pc, j0: jc, kc: kc, nc: nc, into: bPack)
                }
                var ic = 0
                while ic < m {
                    let mc = min(mcBlock, m - ic)
                    packA(trans: transA, a: a, lda: lda, i0: ic, p0: pc, mc: mc, kc: kc, into: aPack)
                    var jr = 0
                    while jr < nc {
                        let cols = min(nr, nc - jr)
                        let bSliver: UnsafePointer<Float>, bStride: Int
                        if !directB {
                            (bSliver, bStride) = (UnsafePointer(bPack + jr * kc), nr)
                        } else if cols == nr {
                            (bSliver, bStride) = (b + pc * ldb + jc + jr, ldb)
                        } else {
                            packB(
                                trans: false, b: b, ldb: ldb, p0: pc, j0: jc + jr, kc: kc, nc: cols,
                                into: bPack)
                            (bSliver, bStride) = (UnsafePointer(bPack), nr)
                        }
                        var ir = 0
                        while ir < mc {
                            microKernel(
                                kc: kc, a: aPack + ir * kc * aSplat, b: bSliver, bStride: bStride,
                                c: c + (ic + ir) * ldc + jc + jr, ldc: ldc,
                                rows: min(mr, mc - ir), cols: cols, alpha: alpha, beta: slabBeta)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// C ← beta · C (C ← 0 when beta == 0, without reading C).
    private static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if beta == 1 { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// Packs op(A)[i0..<i0+mc, p0..<p0+kc] as mr-tall slivers: sliver s holds, for each p,
    /// the mr values op(A)[i0 + s·mr + r, p0 + p] contiguously; rows past mc are zero.
    private static func packA(
        trans: Bool, a: UnsafePointer<Float>, lda: Int,
        i0: Int, p0: Int, mc: Int, kc: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        var s = 0
        while s < mc {
            let rows = min(mr, mc - s)
            let out = dst + s * kc * aSplat
            if trans {
                // A is stored k×m: row p of storage holds op(A)[·, p] contiguously.
                for p in 0..<kc {
                    let src = a + (p0 + p) * lda + i0 + s
                    let o = out + p * mr * aSplat
                    for r in 0..<rows { putA(src[r], o + r * aSplat) }
                    for r in rows..<mr { putA(0, o + r * aSplat) }
                }
            } else {
                for r in 0..<rows {
                    let src = a + (i0 + s + r) * lda + p0
                    for p in 0..<kc { putA(src[p], out + (p * mr + r) * aSplat) }
                }
                for r in rows..<mr {
                    for p in 0..<kc { putA(0, out + (p * mr + r) * aSplat) }
                }
            }
            s += mr
        }
    }

    /// Packs op(B)[p0..<p0+kc, j0..<j0+nc] as nr-wide slivers: sliver s holds, for each p,
    /// the nr values op(B)[p0 + p, j0 + s·nr + j] contiguously; columns past nc are zero.
    private static func packB(
        trans: Bool, b: UnsafePointer<Float>, ldb: Int,
        p0: Int, j0: Int, kc: Int, nc: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        var s = 0
        while s < nc {
            let cols = min(nr, nc - s)
            let out = dst + s * kc
            if trans {
                // B is stored n×k: row j of storage holds op(B)[·, j] contiguously.
                // Whole 8×8 blocks are transposed in registers, the ragged rest element-wise.
                let src = b + (j0 + s) * ldb + p0
                var p8 = 0
                if cols == nr {
                    while p8 + 8 <= kc {
                        for j in stride(from: 0, to: nr, by: 8) {
                            transpose8x8(src + j * ldb + p8, ld: ldb, to: out + p8 * nr + j, stride: nr)
                        }
                        p8 += 8
                    }
                }
                for p in p8..<kc {
                    let o = out + p * nr
                    for j in 0..<cols { o[j] = src[j * ldb + p] }
                    for j in cols..<nr { o[j] = 0 }
                }
            } else if cols == nr {
                for p in 0..<kc { storeVector(loadVector(b + (p0 + p) * ldb + j0 + s), out + p * nr) }
            } else {
                for p in 0..<kc {
                    let src = b + (p0 + p) * ldb + j0 + s
                    let o = out + p * nr
                    for j in 0..<cols { o[j] = src[j] }
                    for j in cols..<nr { o[j] = 0 }
                }
            }
            s += nr
        }
    }

    /// Writes the 8×8 block src[j·ld + t] transposed to dst[t·stride + j] (j, t < 8).
    /// Three perfect unshuffles of the 64 elements (row-major index 8j + t) rotate its six index
    /// bits by three, to 8t + j: a transpose built from the even/odd-half shuffles SIMD offers.
    @inline(__always)
    private static func transpose8x8(
        _ src: UnsafePointer<Float>, ld: Int, to dst: UnsafeMutablePointer<Float>, stride: Int
    ) {
        typealias V = SIMD8<Float>
        func load(_ j: Int) -> V { UnsafeRawPointer(src + j * ld).loadUnaligned(as: V.self) }
        var v = (load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7))
        func even(_ x: V, _ y: V) -> V { V(lowHalf: x.evenHalf, highHalf: y.evenHalf) }
        func odd(_ x: V, _ y: V) -> V { V(lowHalf: x.oddHalf, highHalf: y.oddHalf) }
        for _ in 0..<3 {
            v = (
                even(v.0, v.1), even(v.2, v.3), even(v.4, v.5), even(v.6, v.7),
                odd(v.0, v.1), odd(v.2, v.3), odd(v.4, v.5), odd(v.6, v.7)
            )
        }
        func store(_ row: V, _ t: Int) {
            UnsafeMutableRawPointer(dst + t * stride).storeBytes(of: row, as: V.self)
        }
        store(v.0, 0); store(v.1, 1); store(v.2, 2); store(v.3, 3)
        store(v.4, 4); store(v.5, 5); store(v.6, 6); store(v.7, 7)
    }

    /// The register-blocked inner kernel: an mr×nr tile of accumulators (one vector per row)
    /// gathers kc rank-1 updates from packed slivers, then C[0..<rows, 0..<cols] ←
    /// alpha · tile + beta · C (C not read when beta == 0).
    @inline(__always)
    private static func microKernel(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, alpha: Float, beta: Float
    ) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector()
        var c3 = Vector(), c4 = Vector(), c5 = Vector()
        var ap = a, bp = b
        for _ in 0..<kc {
            let bv = loadVector(bp)
            c0 = madd(c0, splatA(ap + 0 * aSplat), bv)
            c1 = madd(c1, splatA(ap + 1 * aSplat), bv)
            c2 = madd(c2, splatA(ap + 2 * aSplat), bv)
            c3 = madd(c3, splatA(ap + 3 * aSplat), bv)
            c4 = madd(c4, splatA(ap + 4 * aSplat), bv)
            c5 = madd(c5, splatA(ap + 5 * aSplat), bv)
            ap += mr * aSplat
            bp += bStride
        }
        storeRow(c0, to: c, cols: cols, alpha: alpha, beta: beta)
        if rows > 1 { storeRow(c1, to: c + ldc, cols: cols, alpha: alpha, beta: beta) }
        if rows > 2 { storeRow(c2, to: c + 2 * ldc, cols: cols, alpha: alpha, beta: beta) }
        if rows > 3 { storeRow(c3, to: c + 3 * ldc, cols: cols, alpha: alpha, beta: beta) }
        if rows > 4 { storeRow(c4, to: c + 4 * ldc, cols: cols, alpha: alpha, beta: beta) }
        if rows > 5 { storeRow(c5, to: c + 5 * ldc, cols: cols, alpha: alpha, beta: beta) }
    }

    /// C[0..<cols] ← alpha · acc + beta · C[0..<cols], without reading C when beta == 0.
    @inline(__always)
    private static func storeRow(
        _ acc: Vector, to out: UnsafeMutablePointer<Float>, cols: Int, alpha: Float, beta: Float
    ) {
        let v = acc * alpha
        if cols == nr {
            storeVector(beta == 0 ? v : madd(v, Vector(repeating: beta), loadVector(out)), out)
        } else {
            for j in 0..<cols { out[j] = beta == 0 ? v[j] : v[j] + beta * out[j] }
        }
    }
}
