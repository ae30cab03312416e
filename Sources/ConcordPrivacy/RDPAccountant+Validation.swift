/// The range checks shared by the accountant's entry points; each failure names the parameter and the range.
extension RDPAccountant {
    static func validate(samplingRate q: Double, noiseMultiplier z: Double) throws(PrivacyError) {
        guard q >= 0 && q <= 1 else {
            throw .invalidParameter("the sampling rate q must be in [0, 1], got \(q)")
        }
        guard z >= 0 && z.isFinite else {
            throw .invalidParameter("the noise multiplier must be finite and ≥ 0, got \(z)")
        }
    }

    static func validate(steps: Int) throws(PrivacyError) {
        guard steps >= 0 else { throw .invalidParameter("the number of steps must be ≥ 0, got \(steps)") }
    }

    static func validate(delta: Double) throws(PrivacyError) {
        guard delta >= 0 && delta <= 1 else { throw .invalidParameter("δ must be in [0, 1], got \(delta)") }
    }

    static func validate(orders: [Double]) throws(PrivacyError) {
        guard !orders.isEmpty else { throw .invalidParameter("at least one Rényi order is needed") }
        if let bad = orders.first(where: { !($0 > 1 && ($0 <= maximumFiniteOrder || $0 == .infinity)) }) {
            throw .invalidParameter(
                "Rényi orders must be greater than 1 and at most \(Int(maximumFiniteOrder)), or +∞; got \(bad)")
        }
    }
}
