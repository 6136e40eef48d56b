using System.CommandLine;

namespace IrohActors.Cli.Commands;

/// <summary><c>bench …</c>: benchmarks that run their anchor tool in the same run and print the ratio.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks, each measured side by side with its anchor (a bare channel, b3sum, curl, tar over nc).");
        bench.Subcommands.Add(BenchActorsCommand.Create());
        bench.Subcommands.Add(BenchTlsCommand.Create());
        bench.Subcommands.Add(BenchBaoCommand.Create());
        bench.Subcommands.Add(BenchTransferCommand.Create());
        bench.Subcommands.Add(BenchHashCommand.Create());
        bench.Subcommands.Add(BenchCollectionCommand.Create());
        bench.Subcommands.Add(BenchStoreCommand.Create());
        return bench;
    }
}
