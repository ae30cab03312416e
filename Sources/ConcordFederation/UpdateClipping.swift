import ConcordTensor

/// Clipping a participant's update w_k − w_global to an L2 norm, the first step of user-level
/// differential privacy (McMahan et al. 2018). Participants do it themselves for client-side
/// clipping; the coordinator does it for central clipping.
public enum UpdateClipping {
    /// Replaces the update's parameters by w_global + (w_k − w_global)·min(1, C/‖w_k − w_global‖) and
    /// records the norm before clipping ("update_norm") and whether it was within C ("unclipped": 1 or 0).
    ///
    /// - Throws: ``FederationError/layoutMismatch(_:)`` when the update's layout differs from the global
    ///   parameters'; ``FederationError/invalidConfiguration(_:)`` for a clip norm that is not positive.
    public static func clip(_ update: inout ClientUpdate, around global: Parameters, to clipNorm: Double) throws {
        guard clipNorm > 0, clipNorm.isFinite else {
            throw FederationError.invalidConfiguration("the clip norm must be a positive number, got \(clipNorm)")
        }
        guard update.parameters.layout == global.layout else {
            throw FederationError.layoutMismatch("an update of another model cannot be clipped")
        }
        var delta: [Float] = []
        let (norm, scaled) = clippedDelta(
            of: update.parameters.values, around: global.values, to: clipNorm, into: &delta)
        if scaled {
            global.values.withUnsafeBufferPointer { g in
                delta.withUnsafeMutableBufferPointer { d in
                    for i in 0..<d.count { d[i] += g[i] }
                }
            }
            update.parameters.values = delta
        }
        update.metrics["update_norm"] = norm
        update.metrics["unclipped"] = scaled ? 0 : 1
    }

    /// Writes the update w − w_global, clipped to L2 norm `clipNorm`, into `delta` (resized to fit, so a
    /// caller clipping many updates reuses one buffer).
    ///
    /// - Returns: the norm before clipping and whether the update was scaled (or zeroed, when non-finite).
    package static func clippedDelta(
        of values: [Float], around global: [Float], to clipNorm: Double, into delta: inout [Float]
    ) -> (norm: Double, scaled: Bool) {
        let count = min(values.count, global.count)
        if delta.count != count { delta = [Float](repeating: 0, count: count) }
        values.withUnsafeBufferPointer { w in
            global.withUnsafeBufferPointer { g in
                delta.withUnsafeMutableBufferPointer { d in
                    for i in 0..<count { d[i] = w[i] - g[i] }
                }
            }
        }
        return L2Clipping.clip(&delta, to: clipNorm)
    }
}
