using System.CommandLine;
using System.Diagnostics;
using IrohActors.Actors;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Protocol;
using IrohActors.Node.Provider;

namespace IrohActors.Cli.Commands;

/// <summary><c>send PATH</c>: import a file or directory in place, print its ticket, serve until Ctrl-C.</summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A file (sent as a blob) or a directory (sent as a collection of its files)." };
        var dataDir = NodeSettings.DataDir();
        var config = NodeSettings.Config();
        var listen = NodeSettings.Listen();
        var noProgress = NodeSettings.NoProgress();
        var send = new Command("send", "Import PATH in place (no copy), print a ticket on a line of its own, and serve it until Ctrl-C.");
        send.Arguments.Add(path);
        send.Options.Add(dataDir);
        send.Options.Add(config);
        send.Options.Add(listen);
        send.Options.Add(noProgress);
        send.SetAction(async (parse, ct) =>
        {
            var quiet = parse.GetValue(noProgress);
            try
            {
                var options = NodeSettings.Load(parse.GetValue(config), parse.GetValue(dataDir), parse.GetValue(listen));
                var clock = Stopwatch.StartNew();
                // The import runs while the node starts: both are on the way to the ticket.
                // Content left out is a warning, not progress: printed with --no-progress too (stderr; the ticket is stdout's only line).
                var (node, ticket, content) = await IrohNode.StartSharingAsync(options, parse.GetValue(path)!,
                    skipped => TransferDisplay.Note($"skipped {skipped.Description}: {skipped.Name}"), ct);
                await using var _ = node;
                if (!quiet)
                    TransferDisplay.Note($"imported {content.Files} file(s), {content.Bytes} bytes in {clock.Elapsed.TotalSeconds:F2} s; node {node.NodeId} listening on {string.Join(", ", node.Address.DirectAddresses)}");
                Console.Out.WriteLine(ticket.ToString());
                Console.Out.Flush();
                // With --no-progress only failures of the provider's own data are printed: the content is no longer served.
                var printer = node.System.ActorOf(Props.Create(() => new EventPrinter(quiet)), "event-printer");
                node.System.EventStream.Subscribe<ProviderEvent>(printer);
                if (!quiet)
                    TransferDisplay.Note("serving; Ctrl-C to stop");
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
                Console.Error.WriteLine($"send: {e.Message}");
                return 1;
            }
        });
        return send;
    }

    /// <summary>Prints one line per finished or failed request; <paramref name="quiet"/>: only requests that failed on the provider's side (<see cref="ErrorCode.Internal"/>, such as a shared file changed since the import).</summary>
    private sealed class EventPrinter : ReceiveActor
    {
        public EventPrinter(bool quiet)
        {
            Receive<ProviderRequestCompleted>(e =>
            {
                if (!quiet)
                    TransferDisplay.Note($"sent {e.TotalBytes} bytes to {e.Peer.ToShortString()} in {e.Elapsed.TotalSeconds:F2} s ({TransferDisplay.Rate(e.TotalBytes, e.Elapsed)})");
            });
            Receive<ProviderRequestFailed>(e =>
            {
                if (!quiet || e.Code == ErrorCode.Internal)
                    TransferDisplay.Note($"request from {e.Peer.ToShortString()} failed: {(e.Code is { } c ? c + ": " : "")}{e.Reason}");
            });
            Receive<ProviderEvent>(_ => { });
        }
    }
}
