import ArgumentParser
import ConcordGovernance
import ConcordNN
import Foundation
import Yams

/// A model description file given to `--model` (YAML or JSON: `layers` and an optional `loss`).
enum ModelFile {
    /// Reads and decodes the description, checking the text against alias bombs first.
    ///
    /// - Throws: `ValidationError` naming the file when it cannot be read or is not a model description.
    static func read(_ path: String) throws -> ModelDescription {
        let text: String
        do {
            text = try String(contentsOfFile: (path as NSString).expandingTildeInPath, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read the model file \(path): \(error.localizedDescription)")
        }
        do {
            try YAMLGuard.check(text)
            return try YAMLDecoder().decode(ModelDescription.self, from: text)
        } catch {
            throw ValidationError(
                "\(path): not a model description (layers: [{type: dense, units: 16}, ...]): \(error)")
        }
    }
}
