import Testing

@testable import ConcordTensor

@Suite("GEMM backend selection and binding")
struct GEMMBackendTests {
    @Test func coreTypeFollowsTheCPUFeatures() {
        let avx512: Set<Substring> = ["fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl"]
        #expect(CPUFeatures(flags: avx512).openBLASCoreType == "SkylakeX")
        #expect(CPUFeatures(flags: ["fma", "avx2"]).openBLASCoreType == "Haswell")
        #expect(CPUFeatures(flags: ["avx2"]).openBLASCoreType == nil)
        #expect(CPUFeatures(flags: ["sse4_2"]).openBLASCoreType == nil)
    }

    @Test func theFastKernelIsLoadedWithoutAnySetting() throws {
        #if canImport(Glibc)
            guard let blas = GEMM.kernel as? OpenBLAS else {
                print("skipped: OpenBLAS is not installed (\(GEMM.selectionNote))")
                return
            }
            if let expected = CPUFeatures.current.openBLASCoreType, blas.loadNote.contains("chosen from the CPU") {
                #expect(blas.coreName == expected, "\(blas.loadNote)")
            }
            #expect(blas.coreName.lowercased() != "prescott" || CPUFeatures.current.openBLASCoreType == nil)
        #endif
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func theBackendAgreesWithThePortableKernel(transA: Bool, transB: Bool) {
        var g = SeededGenerator(seed: 5)
        let (m, n, k) = (13, 7, 9)
        let a = (0..<(m * k)).map { _ in g.nextUnitFloat() - 0.5 }
        let b = (0..<(k * n)).map { _ in g.nextUnitFloat() - 0.5 }
        var c1 = (0..<(m * n)).map { _ in g.nextUnitFloat() }
        var c2 = c1
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c1.withUnsafeMutableBufferPointer { c in
                    GEMM.kernel.sgemm(
                        transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a.start,
                        lda: transA ? m : k, b: b.start, ldb: transB ? k : n, beta: 2, c: c.start, ldc: n)
                }
                c2.withUnsafeMutableBufferPointer { c in
                    SwiftGEMM().sgemm(
                        transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a.start,
                        lda: transA ? m : k, b: b.start, ldb: transB ? k : n, beta: 2, c: c.start, ldc: n)
                }
            }
        }
        for (x, y) in zip(c1, c2) { #expect(abs(x - y) < 1e-5) }
    }

    @Test func col2imIsTheAdjointOfIm2col() {
        // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for any x and c, with padding and stride.
        let geometry = ConvolutionGeometry(
            height: 5, width: 6, channels: 2, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 1,
            padTop: 1, padLeft: 1, outputHeight: 3, outputWidth: 6)
        var g = SeededGenerator(seed: 8)
        let images = 2
        let x = (0..<(images * geometry.imageSize)).map { _ in g.nextUnitFloat() - 0.5 }
        let c = (0..<(images * geometry.outputPixels * geometry.patchSize)).map { _ in g.nextUnitFloat() - 0.5 }
        var columns = [Float](repeating: .nan, count: c.count)
        var back = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { geometry.im2col(x.start, images: images, into: $0.start) }
        }
        c.withUnsafeBufferPointer { c in
            back.withUnsafeMutableBufferPointer { geometry.col2im(c.start, images: images, addingInto: $0.start) }
        }
        let left = zip(columns, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) < 1e-4)
        #expect(!columns.contains { $0.isNaN }, "im2col writes every entry, zeros where the window leaves the image")
    }
}
