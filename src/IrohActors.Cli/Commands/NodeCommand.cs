using System.CommandLine;
using IrohActors.Node.Identity;

namespace IrohActors.Cli.Commands;

/// <summary><c>node …</c>: this node's identity (and, later, running a long-lived node).</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var node = new Command("node", "This node: its identity and data directory.");
        node.Subcommands.Add(CreateId());
        node.Subcommands.Add(NodeStartCommand.Create());
        return node;
    }

    private static Command CreateId()
    {
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = $"Data directory holding the node key (default ${NodeDataDirectory.EnvironmentVariable}, else ~/.local/share/iroh-actors).",
        };
        var id = new Command("id", "Print this node's NodeId, creating its secret key on first use.");
        id.Options.Add(dataDir);
        id.SetAction(parse =>
        {
            var directory = NodeDataDirectory.Resolve(parse.GetValue(dataDir));
            try
            {
                using var key = KeyFile.LoadOrCreate(directory);
                Console.Out.WriteLine(key.NodeId.ToString());
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"node id: {e.Message}");
                return 1;
            }
        });
        return id;
    }
}
