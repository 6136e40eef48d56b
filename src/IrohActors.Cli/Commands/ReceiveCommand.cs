using System.CommandLine;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Tickets;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary><c>receive TICKET… [--out DIR]</c>: download, verify and export; never overwrites; resumes when run again.</summary>
internal static class ReceiveCommand
{
    public static Command Create()
    {
        var ticketArgument = new Argument<string[]>("ticket")
        {
            Description = "The ticket printed by `send`; several tickets for the same content (from different providers) download from all of them at once.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out") { Description = "Directory to write into (default: the current directory); existing files are never overwritten." };
        var dataDir = NodeSettings.DataDir();
        var config = NodeSettings.Config();
        var noProgress = NodeSettings.NoProgress();
        var receive = new Command("receive", "Download what a ticket names, verifying every chunk, and write it under --out. Run again after an interruption to resume.");
        receive.Arguments.Add(ticketArgument);
        receive.Options.Add(output);
        receive.Options.Add(dataDir);
        receive.Options.Add(config);
        receive.Options.Add(noProgress);
        receive.SetAction(async (parse, ct) =>
        {
            var quiet = parse.GetValue(noProgress);
            try
            {
                var tickets = parse.GetValue(ticketArgument)!.Select(BlobTicket.Parse).ToList();
                var ticket = tickets[0];
                if (tickets.FirstOrDefault(t => t.Hash != ticket.Hash || t.Format != ticket.Format) is { } other)
                    throw new ArgumentException($"the tickets name different content: {ticket.Hash.ToHex()} ({ticket.Format}) and {other.Hash.ToHex()} ({other.Format})");
                var providers = tickets.Select(t => t.Node).GroupBy(n => n.NodeId).Select(g => g.First()).ToList();
                var target = Path.GetFullPath(parse.GetValue(output) ?? Directory.GetCurrentDirectory());
                if (File.Exists(target))
                    throw new IOException($"--out {target} is a file, not a directory; nothing was fetched");
                var blobPath = Path.Combine(target, ticket.Hash.ToHex());
                if (ticket.Format == BlobFormat.Raw && Path.Exists(blobPath))
                    throw new IOException($"{blobPath} exists; refusing to overwrite it");
                var options = NodeSettings.Load(parse.GetValue(config), parse.GetValue(dataDir), listen: "");
                await using var node = await IrohNode.StartAsync(options, ct);
                if (providers.Count == 1)
                {
                    // Children are written straight into the target as they verify; the rest is exported after.
                    var (result, written) = await TransferDisplay.RunAsync(!quiet, "receiving", progress => node.ReceiveAsync(ticket, target, progress, ct));
                    if (!quiet)
                        TransferDisplay.Note($"received {result.BytesReceived} bytes in {result.Elapsed.TotalSeconds:F2} s ({TransferDisplay.Rate(result.BytesReceived, result.Elapsed)}); {written.Files} file(s) in {target}");
                    return 0;
                }
                // Several providers: the swarm places the children straight into the target as they complete, like the single-provider receive.
                var (swarm, summary) = await SwarmDisplay.RunAsync(node, SwarmDisplay.LoadOptions(parse.GetValue(config)), providers.Count, !quiet, "receiving",
                    (downloader, progress) => downloader.ReceiveAsync(ticket.Hash, ticket.Format, providers, target, progress, ct), r => r.Download);
                if (!quiet)
                    TransferDisplay.Note($"received {swarm.BytesReceived} bytes in {swarm.Elapsed.TotalSeconds:F2} s ({TransferDisplay.Rate(swarm.BytesReceived, swarm.Elapsed)}); {summary.Files} file(s) in {target}");
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("receive: interrupted; run the same command again to resume");
                return 130;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"receive: {OneLine(e.Message)}");
                return 1;
            }
        });
        return receive;
    }

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
