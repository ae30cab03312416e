import Foundation

/// The one place that reaches into ConcordData's SwiftPM resource bundle.
enum BundledResources {
    /// The URL of a resource directory copied into the bundle (see `resources:` in Package.swift).
    ///
    /// - Throws: ``DataError/missingBundledResource(name:)`` when the bundle has no such resource.
    static func directory(named name: String) throws(DataError) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil) else {
            throw .missingBundledResource(name: name)
        }
        return url
    }
}
