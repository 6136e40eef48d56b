using System.CommandLine;
using IrohActors.Node.NodeHost;

namespace IrohActors.Cli.Commands;

/// <summary><c>node start</c>: a long-lived node serving its store, configured from HOCON.</summary>
internal static class NodeStartCommand
{
    public static Command Create()
    {
        var dataDir = NodeSettings.DataDir();
        var config = NodeSettings.Config();
        var listen = NodeSettings.Listen();
        var start = new Command("start", "Run a long-lived node serving its store (data directory, listen address and limits from iroh.node / iroh.provider) until Ctrl-C.");
        start.Options.Add(dataDir);
        start.Options.Add(config);
        start.Options.Add(listen);
        start.SetAction(async (parse, ct) =>
        {
            try
            {
                var options = NodeSettings.Load(parse.GetValue(config), parse.GetValue(dataDir), parse.GetValue(listen));
                await using var node = await IrohNode.StartAsync(options, ct);
                Console.Out.WriteLine($"{node.NodeId}@{string.Join(",", node.Address.DirectAddresses)}");
                Console.Out.Flush();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                }
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"node start: {ReceiveCommand.OneLine(e.Message)}");
                return 1;
            }
        });
        return start;
    }
}
