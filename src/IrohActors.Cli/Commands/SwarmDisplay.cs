using IrohActors.Blake3;
using IrohActors.Hocon;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Swarm;
using IrohActors.Node.Transport;
using IrohActors.Store;
using Spectre.Console;

namespace IrohActors.Cli.Commands;

/// <summary>
/// Runs a swarm download for <c>get</c> and <c>receive</c>: one overall Spectre progress bar on stderr while it
/// runs, a per-provider table (bytes, share, rate, requests served, bans) at the end, nothing with <c>--no-progress</c>.
/// </summary>
internal static class SwarmDisplay
{
    private static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Swarm settings from <c>iroh.swarm</c> of the configuration (reference.conf under <paramref name="configFile"/>).</summary>
    public static SwarmOptions LoadOptions(string? configFile) =>
        SwarmOptions.FromConfig(HoconConfig.Load(configFile is null ? null : HoconConfig.ParseFile(configFile)));

    /// <summary>Downloads <paramref name="hash"/> from <paramref name="providers"/> into the node's store.</summary>
    public static Task<SwarmResult> RunAsync(IrohNode node, SwarmOptions options, Hash hash, BlobFormat format, IReadOnlyList<NodeAddr> providers, bool show, string description, CancellationToken cancellationToken) =>
        RunAsync(node, options, providers.Count, show, description, (downloader, progress) => downloader.DownloadAsync(hash, format, providers, progress, cancellationToken), r => r);

    /// <summary>Runs <paramref name="work"/> on a swarm downloader of the node, showing its progress and, at the end, the providers of <paramref name="resultOf"/>'s result.</summary>
    public static async Task<T> RunAsync<T>(IrohNode node, SwarmOptions options, int providers, bool show, string description, Func<SwarmDownloader, IProgress<SwarmProgress>?, Task<T>> work, Func<T, SwarmResult> resultOf)
    {
        var downloader = new SwarmDownloader(node, options);
        if (!show)
            return await work(downloader, null).ConfigureAwait(false);
        T result = default!;
        await Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"{description} from {providers} providers");
                task.IsIndeterminate = true;
                result = await work(downloader, new BarProgress(task)).ConfigureAwait(false);
                task.MaxValue = Math.Max(1, resultOf(result).BytesWritten);
                task.Value = task.MaxValue;
                task.StopTask();
            }).ConfigureAwait(false);
        Err.Write(PeerTable(resultOf(result)));
        return result;
    }

    /// <summary>The per-provider summary.</summary>
    public static Table PeerTable(SwarmResult result)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("provider").AddColumn(new TableColumn("received").RightAligned()).AddColumn(new TableColumn("share").RightAligned())
            .AddColumn(new TableColumn("rate").RightAligned()).AddColumn(new TableColumn("requests").RightAligned()).AddColumn("state");
        foreach (var p in result.Peers)
        {
            var share = result.BytesReceived == 0 ? 0 : (double)p.BytesReceived / result.BytesReceived;
            var state = p.Banned ? $"[red]banned[/]: {Markup.Escape(Short(p.Gone))}" : p.Gone is { } gone ? $"[yellow]dropped[/]: {Markup.Escape(Short(gone))}" : "ok";
            table.AddRow(p.Peer.ToShortString(), $"{p.BytesReceived / (double)(1 << 20):F1} MiB", $"{share:P0}", $"{p.BytesPerSecond / (1 << 20):F1} MiB/s", p.RangesServed.ToString(System.Globalization.CultureInfo.InvariantCulture), state);
        }
        table.Caption($"{result.BytesWritten / (double)(1 << 20):F1} MiB verified in {result.Elapsed.TotalSeconds:F2} s; {result.BytesReceived / (double)(1 << 20):F1} MiB received ({(result.Overhead - 1) * 100:F2} % overhead, {result.DuplicateBytes / (double)(1 << 20):F1} MiB duplicates)");
        return table;
    }

    private static string Short(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..77] + "...";

    private sealed class BarProgress(ProgressTask task) : IProgress<SwarmProgress>
    {
        public void Report(SwarmProgress value)
        {
            if (value.BytesNeeded is { } needed and > 0)
            {
                task.IsIndeterminate = false;
                task.MaxValue = Math.Max(needed, value.BytesWritten);
            }
            else
                task.MaxValue = Math.Max(task.MaxValue, value.BytesWritten + 1);
            task.Value = value.BytesWritten;
        }
    }
}
