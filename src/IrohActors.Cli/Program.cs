using System.CommandLine;
using IrohActors.Cli.Commands;

namespace IrohActors.Cli;

/// <summary>Entry point of the <c>iroh-actors</c> command.</summary>
public static class Program
{
    /// <summary>Builds the command tree; tests call this to run commands in-process.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("IrohActors: content-addressed blobs, BLAKE3 verified streaming and an actor-based node.");
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(CidCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(BaoCommand.Create());
        root.Subcommands.Add(SendCommand.Create());
        root.Subcommands.Add(ReceiveCommand.Create());
        root.Subcommands.Add(GetCommand.Create());
        root.Subcommands.Add(HashCommand.Create());
        foreach (var command in StoreCommands.Create())
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();
}
