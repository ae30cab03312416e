import Foundation

/// The one place that finds the data bundled with ConcordData (see `resources:` in Package.swift).
///
/// SwiftPM's generated `Bundle.module` traps when the resource bundle is neither beside the executable
/// nor in the original build folder (a `concord` binary copied elsewhere). This looks in the same
/// places itself and throws instead, so a misplaced install gets an error a person can act on.
enum BundledResources {
    /// The name SwiftPM gives ConcordData's resource bundle.
    static let bundleName = "Concord_ConcordData"

    /// The folders that may hold the bundled resource directories, most specific first.
    static var candidateFolders: [URL] {
        var folders: [URL] = []
        if let override = ProcessInfo.processInfo.environment["CONCORD_RESOURCES"], !override.isEmpty {
            folders.append(URL(fileURLWithPath: override, isDirectory: true))
        }
        let executableFolder = Bundle.main.bundleURL
        for folder in [
            executableFolder, executableFolder.deletingLastPathComponent(),
            Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(),
        ] {
            guard let folder else { continue }
            folders.append(folder.appendingPathComponent("\(bundleName).resources", isDirectory: true))
            folders.append(folder.appendingPathComponent("\(bundleName).bundle/Contents/Resources", isDirectory: true))
            folders.append(folder.appendingPathComponent("\(bundleName).bundle", isDirectory: true))
        }
        // The source tree, for a binary run from a checkout without its resource bundle beside it.
        folders.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources"))
        return folders
    }

    /// The URL of a bundled resource directory, e.g. "mnist".
    ///
    /// - Throws: ``DataError/missingBundledResource(name:)`` when no candidate folder holds it.
    static func directory(named name: String) throws(DataError) -> URL {
        var isDirectory: ObjCBool = false
        for folder in candidateFolders {
            let url = folder.appendingPathComponent(name, isDirectory: true)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return url
            }
        }
        throw .missingBundledResource(name: name)
    }
}
