import ArgumentParser
import ConcordData
import Foundation

/// `concord partition`: writes each participant's share of a dataset as its own folder.
struct PartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Split a dataset among participants into one folder each, for `concord node --data`.",
        discussion: """
            Uses the same partitioner and seed as `concord simulate`, so participant i's folder holds exactly the \
            examples simulated participant i trains on: a real federation and its simulation can be compared \
            round for round.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "Participant names, comma-separated; each gets the folder OUT/NAME.")
    var names: String

    @Option(help: "How the data are split: iid, shards, shards:K or dirichlet:ALPHA.")
    var partition = "iid"

    @Option(help: "Seed of the partition (as `concord simulate --seed`).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Where to write the folders.", valueName: "dir"))
    var out: String

    func run() throws {
        let names = self.names.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, Set(names).count == names.count, names.allSatisfy({ !$0.isEmpty && !$0.contains("/") })
        else { throw ValidationError("--names must list distinct names without '/'") }
        let scheme = try PartitionScheme(parsing: partition)
        let split = try data.load()
        let partitioned = try ClientPartition(split.train, clients: names.count, scheme: scheme, seed: seed)
        for (index, name) in names.enumerated() {
            let folder = URL(fileURLWithPath: out).appendingPathComponent(name, isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let client = partitioned.client(index)
            try MNIST.writeTraining(client, to: folder)
            print("\(folder.path): \(client.count) examples")
        }
    }
}
