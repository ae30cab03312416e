import Foundation

/// A folder of images in the ImageFolder layout (torchvision's convention): `ROOT/CLASS/…/*.png`, one sub-folder per
/// class. The classes are the sub-folders' names sorted (by code point, as Python's `sorted`), and an image's label
/// is its class's index in that order; the images of a class are its files, nested folders included, sorted by
/// folder and then by name. Hidden files and folders (a name starting with `.`) are ignored, and so are files that
/// are not images (a README beside the PNGs).
public struct ImageFolder: Sendable, Equatable {
    /// One image file and its class.
    public struct Entry: Sendable, Equatable {
        /// The file.
        public var url: URL
        /// Its class index, in `0..<classes.count`.
        public var label: Int32
    }

    /// The folder's root.
    public let root: URL
    /// The class names in label order.
    public let classes: [String]
    /// Every image, class by class, each class's files in sorted order.
    public let entries: [Entry]

    /// The image extensions recognised but not decoded: a folder holding one is refused, naming the file.
    static let unsupportedExtensions = ["bmp", "gif", "tif", "tiff", "webp", "ppm", "pgm", "pbm", "heic"]

    /// Scans `root`.
    ///
    /// - Throws: ``ImageError/notAFolder(path:)`` when `root` is not a directory,
    ///   ``ImageError/noClassFolders(root:)`` when it has no sub-folder, ``ImageError/emptyClassFolder(folder:)``
    ///   for a class without a PNG, ``ImageError/jpegNotSupported(file:)`` or
    ///   ``ImageError/unsupportedFormat(file:format:)`` naming the first image Concord cannot decode.
    public init(root: URL) throws(ImageError) {
        guard Self.isDirectory(root) else { throw .notAFolder(path: root.path) }
        let classes = try Self.visibleNames(in: root).filter { Self.isDirectory(root.appendingPathComponent($0)) }
        guard !classes.isEmpty else { throw .noClassFolders(root: root.path) }
        var entries: [Entry] = []
        for (label, name) in classes.enumerated() {
            let folder = root.appendingPathComponent(name, isDirectory: true)
            let files = try Self.images(in: folder, depth: 0)
            guard !files.isEmpty else { throw .emptyClassFolder(folder: folder.path) }
            entries += files.map { Entry(url: $0, label: Int32(label)) }
        }
        self.root = root
        self.classes = classes
        self.entries = entries
    }

    /// Whether `url` looks like an image folder rather than a folder of IDX files: a directory with at least one
    /// visible sub-folder and no IDX file.
    public static func looksLikeImageFolder(_ url: URL) -> Bool {
        guard isDirectory(url), let names = try? visibleNames(in: url) else { return false }
        if names.contains(where: { $0.contains("-idx") && $0.contains("-ubyte") }) { return false }
        return names.contains { isDirectory(url.appendingPathComponent($0)) }
    }

    /// The PNG files under `folder`, its own files and then each sub-folder's, sorted by name.
    private static func images(in folder: URL, depth: Int) throws(ImageError) -> [URL] {
        // A folder nested this deep is a symbolic-link loop, not a dataset.
        guard depth < 32 else { return [] }
        var files: [URL] = []
        var folders: [URL] = []
        for name in try visibleNames(in: folder) {
            let url = folder.appendingPathComponent(name)
            if isDirectory(url) {
                folders.append(url)
                continue
            }
            let suffix = url.pathExtension.lowercased()
            if suffix == "png" {
                files.append(url)
            } else if suffix == "jpg" || suffix == "jpeg" {
                throw .jpegNotSupported(file: url.path)
            } else if unsupportedExtensions.contains(suffix) {
                throw .unsupportedFormat(file: url.path, format: suffix.uppercased())
            }
        }
        for nested in folders { files += try images(in: nested, depth: depth + 1) }
        return files
    }

    /// The names in `folder` that do not start with `.`, sorted by code point.
    static func visibleNames(in folder: URL) throws(ImageError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { !$0.hasPrefix(".") }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        } catch {
            throw .unreadableFile(file: folder.path, reason: error.localizedDescription)
        }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
