import ConcordTensor

@testable import ConcordNN

/// Central finite differences against a layer's backward pass.
///
/// The scalar objective is L = Σ forward(x) ⊙ R for a fixed random R, so dL/dy = R.
/// Errors are norm-wise: ‖numeric − analytic‖ / max(‖numeric‖, ‖analytic‖).
enum GradientCheck {
    struct Result {
        var inputError: Double
        var parameterErrors: [Double]
    }

    static func objective(_ layer: any Layer, _ x: Tensor, _ r: Tensor) -> Double {
        let y = layer.forward(x, training: true)
        var total = 0.0
        for i in 0..<y.count { total += Double(y.scalars[i]) * Double(r.scalars[i]) }
        _ = layer.backward(r, needsInputGradient: false)
        return total
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        var diff = 0.0, na = 0.0, nb = 0.0
        for i in 0..<a.count {
            diff += (a[i] - b[i]) * (a[i] - b[i])
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        let scale = max(na.squareRoot(), nb.squareRoot())
        return scale == 0 ? 0 : diff.squareRoot() / scale
    }

    static func run(_ layer: any Layer, input: Tensor, step h: Float = 1e-2, seed: UInt64 = 7) -> Result {
        var g = SeededGenerator(seed: seed)
        let y = layer.forward(input, training: true)
        let r = Tensor(shape: y.shape, scalars: (0..<y.count).map { _ in g.nextUnitFloat() * 2 - 1 })
        _ = layer.forward(input, training: true)
        let dx = layer.backward(r, needsInputGradient: true) ?? Tensor.zeros(input.shape)
        var analyticParams: [[Double]] = []
        layer.updateParameters { _, _, grad in analyticParams.append(grad.scalars.map(Double.init)) }

        var x = input
        var numericInput = [Double](repeating: 0, count: input.count)
        for i in 0..<input.count {
            let saved = x.scalars[i]
            x.scalars[i] = saved + h
            let plus = objective(layer, x, r)
            x.scalars[i] = saved - h
            let minus = objective(layer, x, r)
            x.scalars[i] = saved
            numericInput[i] = (plus - minus) / Double(2 * h)
        }
        var parameterErrors: [Double] = []
        var parameterCount = 0
        layer.updateParameters { _, _, _ in parameterCount += 1 }
        for p in 0..<parameterCount {
            var size = 0
            layer.updateParameters { index, param, _ in if index == p { size = param.count } }
            var numeric = [Double](repeating: 0, count: size)
            for i in 0..<size {
                func perturb(_ delta: Float) {
                    layer.updateParameters { index, param, _ in if index == p { param.scalars[i] += delta } }
                }
                perturb(h)
                let plus = objective(layer, input, r)
                perturb(-2 * h)
                let minus = objective(layer, input, r)
                perturb(h)
                numeric[i] = (plus - minus) / Double(2 * h)
            }
            parameterErrors.append(relativeError(numeric, analyticParams[p]))
        }
        return Result(
            inputError: relativeError(numericInput, dx.scalars.map(Double.init)), parameterErrors: parameterErrors)
    }

    /// Random values kept away from zero (so ReLU kinks are not straddled by the ±h steps).
    static func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = SeededGenerator(seed: seed)
        let count = Tensor.elementCount(shape)
        return Tensor(
            shape: shape,
            scalars: (0..<count).map { _ in
                let v = g.nextUnitFloat() * 1.8 + 0.1
                return g.next() & 1 == 0 ? v : -v
            })
    }

    /// Distinct values spaced at least 0.05 apart in random order (so max-pool windows have no near-ties).
    static func distinctInput(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = SeededGenerator(seed: seed)
        let count = Tensor.elementCount(shape)
        var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
        values.shuffle(using: &g)
        return Tensor(shape: shape, scalars: values)
    }
}
