import ConcordTensor

extension Sequential {
    /// All parameters concatenated in layout order.
    public func flatParameters() -> [Float] {
        var flat: [Float] = []
        flat.reserveCapacity(parameterCount)
        forEachParameter { _, parameter, _ in flat.append(contentsOf: parameter.scalars) }
        return flat
    }

    /// Replaces all parameters from a flat vector in layout order.
    ///
    /// - Throws: ``ModelError/parameterMismatch(_:)`` when the vector's length differs from ``parameterCount``.
    public func setFlatParameters(_ flat: [Float]) throws {
        guard flat.count == parameterCount else {
            throw ModelError.parameterMismatch("expected \(parameterCount) scalars, got \(flat.count)")
        }
        flat.withUnsafeBufferPointer { source in
            forEachParameter { position, parameter, _ in
                let offset = layout.offsets[position]
                parameter.withUnsafeMutableBufferPointer { target in
                    target.start.update(from: source.start + offset, count: target.count)
                }
            }
        }
    }

    /// The parameters by name, e.g. for a safetensors file.
    public func stateDictionary() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        forEachParameter { position, parameter, _ in state[layout.entries[position].name] = parameter }
        return state
    }

    /// Replaces the parameters from tensors by name.
    ///
    /// - Throws: ``ModelError/parameterMismatch(_:)`` naming a missing, unexpected or misshapen tensor;
    ///   on error no parameter is changed.
    public func loadStateDictionary(_ state: [String: Tensor]) throws {
        let expected = Set(layout.entries.map(\.name))
        if let extra = state.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ModelError.parameterMismatch("unexpected tensor '\(extra)'")
        }
        for entry in layout.entries {
            guard let tensor = state[entry.name] else {
                throw ModelError.parameterMismatch("missing tensor '\(entry.name)'")
            }
            guard tensor.shape == entry.shape else {
                throw ModelError.parameterMismatch(
                    "tensor '\(entry.name)' has shape \(tensor.shape), the model needs \(entry.shape)")
            }
        }
        forEachParameter { position, parameter, _ in
            if let tensor = state[layout.entries[position].name] { parameter = tensor }
        }
    }
}
