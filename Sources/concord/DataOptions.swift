import ArgumentParser
import ConcordData
import Foundation

/// The `--dataset NAME` / `--data PATH` pair shared by commands that read a dataset.
struct DataOptions: ParsableArguments {
    @Option(
        help:
            "A dataset bundled with Concord: \(DatasetSource.knownNames.joined(separator: ", ")) (simulate also takes synthetic:ALPHA,BETA)."
    )
    var dataset: String?

    @Option(
        help: ArgumentHelp(
            "A directory holding the four IDX files (train-images-idx3-ubyte[.gz] and the other three), or an image folder (DIR/CLASS/*.png, see --image-size), instead of --dataset; simulate also reads a CSV/TSV table (see --label).",
            valueName: "path"))
    var data: String?

    func validate() throws {
        if dataset != nil && data != nil { throw ValidationError("give either --dataset or --data, not both") }
    }

    /// The source the options name (bundled MNIST when neither is given).
    var source: DatasetSource {
        if let data {
            return .directory(URL(fileURLWithPath: (data as NSString).expandingTildeInPath, isDirectory: true))
        }
        return .named((dataset ?? "mnist").lowercased())
    }

    /// The name reports use: the dataset's name or the directory's path.
    var name: String { source.description }

    /// Loads the training and test sets.
    func load() throws -> DatasetSplit { try source.load() }
}
