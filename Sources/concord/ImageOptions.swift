import ArgumentParser
import ConcordData

/// The options of a `--data DIR` image folder (`DIR/CLASS/*.png`): the size and channels its images are given.
struct ImageOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Resize every image of a --data image folder to N×N, bilinearly (default: the images' own size, which "
                + "must then be the same for all).", valueName: "n"))
    var imageSize: Int?

    @Option(
        help: ArgumentHelp(
            "The channels of a --data image folder's examples: 1 (colour becomes gray by luma) or 3 (gray is copied "
                + "to red, green and blue); default 3 when any image is in colour, else 1.", valueName: "1|3"))
    var channels: Int?

    /// Whether any option of the group was given.
    var customised: Bool { imageSize != nil || channels != nil }

    /// The loader's options.
    var options: ImageFolderOptions { ImageFolderOptions(side: imageSize, channels: channels) }

    func validate() throws {
        do {
            try options.validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
