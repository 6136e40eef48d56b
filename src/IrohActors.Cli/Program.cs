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
        Command[] commands =
        [
            // blobs and hashes
            HashCommand.Create(), CidCommand.Create(), BaoCommand.Create(),
            // the node: identity, sharing and fetching
            NodeCommand.Create(), SendCommand.Create(), ReceiveCommand.Create(), GetCommand.Create(), CollectionCommand.Create(),
            // benchmarks against their anchors
            BenchCommand.Create(),
        ];
        foreach (var command in commands.Concat(StoreCommands.Create()))
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();
}
