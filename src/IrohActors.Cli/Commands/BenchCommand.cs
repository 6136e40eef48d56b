using System.CommandLine;

namespace IrohActors.Cli.Commands;

/// <summary><c>bench …</c>: benchmarks that run their anchor tool in the same run and print the ratio.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks, each measured side by side with its anchor (a bare channel, b3sum, curl, tar over nc).");
        Command[] benchmarks =
        [
            BenchActorsCommand.Create(), BenchHashCommand.Create(), BenchBaoCommand.Create(), BenchStoreCommand.Create(),
            BenchCollectionCommand.Create(), BenchRemoteCollectionCommand.Create(), BenchTlsCommand.Create(), BenchTransferCommand.Create(),
            BenchSwarmCommand.Create(),
        ];
        foreach (var benchmark in benchmarks)
            bench.Subcommands.Add(benchmark);
        return bench;
    }
}
