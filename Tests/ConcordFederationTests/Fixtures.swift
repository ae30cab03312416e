import ConcordFederation
import ConcordNN

enum Fixtures {
    static let layout = ParameterLayout([.init(name: "w", shape: [2]), .init(name: "b", shape: [1])])

    static func parameters(_ values: [Float]) throws -> Parameters { try Parameters(layout: layout, values: values) }
}
