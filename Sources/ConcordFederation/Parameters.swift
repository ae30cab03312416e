/// ConcordFederation: the federated round. `Parameters` and `ClientUpdate` travel; a `Strategy`
/// decides who trains with what and how results combine; the `Coordinator` runs rounds over
/// `ClientProxy` handles, in-process (`Simulation`) or remote, without knowing which.
import ConcordNN

/// A model's parameters as one contiguous vector plus the layout (names and shapes) it follows.
///
/// Aggregation, clipping, noise and masking all work on `values`, which is memory-bandwidth bound.
public struct Parameters: Sendable, Equatable, Codable {
    /// Names and shapes, in the order `values` follows.
    public let layout: ParameterLayout
    /// All scalars, concatenated in layout order.
    public var values: [Float]

    /// Creates parameters, checking that `values` fills `layout`.
    ///
    /// - Throws: ``FederationError/layoutMismatch(_:)`` when the counts differ.
    public init(layout: ParameterLayout, values: [Float]) throws {
        guard values.count == layout.scalarCount else {
            throw FederationError.layoutMismatch("\(values.count) values for a layout of \(layout.scalarCount) scalars")
        }
        self.layout = layout
        self.values = values
    }

    /// Zeros in the given layout.
    public static func zeros(_ layout: ParameterLayout) -> Parameters {
        Parameters(unchecked: layout, values: [Float](repeating: 0, count: layout.scalarCount))
    }

    init(unchecked layout: ParameterLayout, values: [Float]) {
        self.layout = layout
        self.values = values
    }

    /// The current parameters of a model.
    public init(model: Sequential) {
        self.init(unchecked: model.layout, values: model.flatParameters())
    }

    /// The number of scalars.
    public var count: Int { values.count }
}

extension Sequential {
    /// Replaces the model's parameters.
    ///
    /// - Throws: ``FederationError/layoutMismatch(_:)`` when the parameters were made for another model.
    public func load(_ parameters: Parameters) throws {
        guard parameters.layout == layout else {
            throw FederationError.layoutMismatch(
                "parameters for \(parameters.layout.entries.map(\.name)) do not fit this model")
        }
        try setFlatParameters(parameters.values)
    }
}
