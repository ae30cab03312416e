import ArgumentParser

/// The `concord` command-line tool: thin commands that parse, then call the Concord modules.
@main
struct Concord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concord",
        abstract: "Federated learning in Swift: train one model across parties whose data never leaves them.",
        subcommands: [
            SimulateCommand.self, TrainCommand.self, BenchCommand.self, PrivacyCommand.self, KeysCommand.self,
            CharterCommand.self, AuditCommand.self, ReleaseCommand.self, CertsCommand.self, ServeCommand.self,
            NodeCommand.self, StatusCommand.self, RunCommand.self, DashboardCommand.self, PartitionCommand.self,
        ]
    )
}
