using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text;
using IrohActors.Collections;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Remote;
using IrohActors.Node.Tickets;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench remote-collection</c>: the synthetic list collection of <c>bench collection</c> served by a node on
/// 127.0.0.1 and queried by another through verified range requests (cold: a fresh reader per lookup; warm: one
/// reader with its chunk cache), beside the same queries on the local file (the anchor) in the same run.
/// </summary>
internal static class BenchRemoteCollectionCommand
{
    private const long LookupGoalBytes = 64 * 1024;
    private const int PrefixLimit = 100;

    public static Command Create()
    {
        var links = new Option<long>("--links") { Description = "Links in the synthetic collection", DefaultValueFactory = _ => 1_000_000 };
        var lookups = new Option<int>("--lookups") { Description = "Random names looked up (and their directories queried as prefixes)", DefaultValueFactory = _ => 300 };
        var command = new Command("remote-collection", "Remote collection queries over verified range requests on 127.0.0.1: bytes received and latency per lookup and prefix query, beside the local reader.");
        command.Options.Add(links);
        command.Options.Add(lookups);
        command.SetAction(async (pr, ct) =>
        {
            var (n, count) = (pr.GetValue(links), pr.GetValue(lookups));
            if (n < 1 || count < 10)
            {
                Console.Error.WriteLine("bench remote-collection: --links must be ≥ 1 and --lookups ≥ 10");
                return 2;
            }
            var work = Path.Combine(Path.GetTempPath(), $"iroh-bench-remote-{Environment.ProcessId}");
            Directory.CreateDirectory(work);
            try
            {
                await RunAsync(work, n, count, ct).ConfigureAwait(false);
                return 0;
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        });
        return command;
    }

    private static async Task RunAsync(string work, long linkCount, int lookupCount, CancellationToken ct)
    {
        Console.WriteLine($"bench remote-collection: {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        var path = Path.Combine(work, "list.collection");
        var build = Stopwatch.StartNew();
        CollectionInfo info;
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.SequentialScan))
            info = await CollectionBuilder.BuildAsync(new BenchCollectionCommand.SyntheticList(linkCount).Links(), output, new CollectionBuilderOptions { TempDirectory = work }, ct).ConfigureAwait(false);
        using var file = new FileBlobReader(path);
        var counting = new CountingBlobReader(file);
        var local = await CollectionReader.OpenAsync(counting, ct).ConfigureAwait(false);
        var localOpen = counting.BytesRead;
        Console.WriteLine($"  collection: {info.Count:N0} links, {info.Size:N0} B, {local.IndexLevels} index levels (built in {build.Elapsed.TotalSeconds:F1} s)");

        await using var provider = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = Path.Combine(work, "provider"), ListenAddress = new IPEndPoint(IPAddress.Loopback, 0) }, ct).ConfigureAwait(false);
        using (await provider.Store.ImportFileAsync(path, ImportMode.InPlace, ct).ConfigureAwait(false))
        {
        }
        await using var reader = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = Path.Combine(work, "reader") }, ct).ConfigureAwait(false);
        var ticket = provider.CreateTicket(info.Hash, BlobFormat.HashSeq);

        var rng = new Random(3);
        var names = Enumerable.Range(0, lookupCount).Select(_ => BenchCollectionCommand.ListName(rng.NextInt64(linkCount))).ToList();

        // Warm-up (JIT, connection, page cache), then each measurement over the same names.
        var warm = await OpenAsync(reader, ticket, ct).ConfigureAwait(false);
        foreach (var name in names.Take(20))
        {
            await local.GetAsync(name, ct).ConfigureAwait(false);
            await warm.Collection.GetAsync(name, ct).ConfigureAwait(false);
        }

        var localLookups = new Samples("local lookup (file, page cache warm)", "read");
        var coldOpens = new Samples("remote open (size proof + header + root page)", "received");
        var coldLookups = new Samples("remote lookup, cold (fresh reader: nothing cached)", "received");
        var warmLookups = new Samples("remote lookup, warm (one reader, 1 MiB chunk cache)", "received");
        foreach (var name in names)
        {
            counting.Reset();
            var t0 = Stopwatch.GetTimestamp();
            var expected = await local.GetAsync(name, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"{Encoding.UTF8.GetString(name)} is missing locally");
            localLookups.Add(Stopwatch.GetElapsedTime(t0), counting.BytesRead, counting.Reads);

            t0 = Stopwatch.GetTimestamp();
            var cold = await OpenAsync(reader, ticket, ct).ConfigureAwait(false);
            coldOpens.Add(Stopwatch.GetElapsedTime(t0), cold.Blob.BytesReceived, cold.Blob.Requests);
            var (bytes, requests) = (cold.Blob.BytesReceived, cold.Blob.Requests);
            t0 = Stopwatch.GetTimestamp();
            var got = await cold.Collection.GetAsync(name, ct).ConfigureAwait(false);
            coldLookups.Add(Stopwatch.GetElapsedTime(t0), cold.Blob.BytesReceived - bytes, cold.Blob.Requests - requests);
            Check(name, expected, got);

            (bytes, requests) = (warm.Blob.BytesReceived, warm.Blob.Requests);
            t0 = Stopwatch.GetTimestamp();
            got = await warm.Collection.GetAsync(name, ct).ConfigureAwait(false);
            warmLookups.Add(Stopwatch.GetElapsedTime(t0), warm.Blob.BytesReceived - bytes, warm.Blob.Requests - requests);
            Check(name, expected, got);
        }

        var localPrefixes = new Samples($"local prefix query (first ≤ {PrefixLimit} links of the name's directory)", "read");
        var remotePrefixes = new Samples($"remote prefix query, cold (first ≤ {PrefixLimit} links)", "received");
        foreach (var name in names)
        {
            var prefix = name.AsSpan(0, name.AsSpan().LastIndexOf((byte)'/') + 1).ToArray();
            counting.Reset();
            var t0 = Stopwatch.GetTimestamp();
            var expected = await local.PrefixAsync(prefix, ct).Take(PrefixLimit).ToListAsync(ct).ConfigureAwait(false);
            localPrefixes.Add(Stopwatch.GetElapsedTime(t0), counting.BytesRead, counting.Reads);
            var cold = await OpenAsync(reader, ticket, ct).ConfigureAwait(false);
            var (bytes, requests) = (cold.Blob.BytesReceived, cold.Blob.Requests);
            t0 = Stopwatch.GetTimestamp();
            var got = await cold.Collection.PrefixAsync(prefix, ct).Take(PrefixLimit).ToListAsync(ct).ConfigureAwait(false);
            remotePrefixes.Add(Stopwatch.GetElapsedTime(t0), cold.Blob.BytesReceived - bytes, cold.Blob.Requests - requests);
            if (!expected.SequenceEqual(got))
                throw new InvalidOperationException($"the remote prefix query {Encoding.UTF8.GetString(prefix)} differs from the local one");
        }

        Console.WriteLine($"  local open: {localOpen:N0} B read");
        foreach (var samples in new[] { localLookups, coldOpens, coldLookups, warmLookups, localPrefixes, remotePrefixes })
            samples.Print();
        Console.WriteLine($"  remote / local lookup latency (median): cold {coldLookups.Median / localLookups.Median:F1}×, warm {warmLookups.Median / localLookups.Median:F1}×");
        Console.WriteLine($"  remote cold / local bytes per lookup (mean): {coldLookups.MeanBytes / localLookups.MeanBytes:F2}× (the difference is bao parents, 1 KiB rounding and framing)");
        var goal = coldLookups.MaxBytes <= LookupGoalBytes;
        Console.WriteLine($"  goal a remote lookup fetches ≤ 64 KiB: {(goal ? "met" : "NOT met")} (worst cold lookup {coldLookups.MaxBytes:N0} B of {info.Size:N0} B)");
    }

    private static void Check(byte[] name, Blake3.Hash expected, Blake3.Hash? got)
    {
        if (got != expected)
            throw new InvalidOperationException($"the remote lookup of {Encoding.UTF8.GetString(name)} answered {got?.ToHex() ?? "nothing"}, the local one {expected.ToHex()}");
    }

    private static async Task<(RemoteBlobReader Blob, CollectionReader Collection)> OpenAsync(IrohNode node, BlobTicket ticket, CancellationToken ct)
    {
        var blob = await node.OpenRemoteBlobAsync(ticket.Node, ticket.Hash, cancellationToken: ct).ConfigureAwait(false);
        return (blob, await CollectionReader.OpenAsync(blob, ct).ConfigureAwait(false));
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>Latency, bytes and requests (or reads) of one kind of query.</summary>
    private sealed class Samples(string what, string verb)
    {
        private readonly List<double> _micros = [];
        private long _bytes;
        private long _maxCalls;

        public long MaxBytes { get; private set; }

        public double MeanBytes => (double)_bytes / Math.Max(1, _micros.Count);

        public double Median => Sorted()[_micros.Count / 2];

        public void Add(TimeSpan elapsed, long bytes, long calls)
        {
            _micros.Add(elapsed.TotalMicroseconds);
            _bytes += bytes;
            MaxBytes = Math.Max(MaxBytes, bytes);
            _maxCalls = Math.Max(_maxCalls, calls);
        }

        public void Print()
        {
            var sorted = Sorted();
            var p99 = sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * 0.99))];
            Console.WriteLine($"  {what}");
            Console.WriteLine($"      latency median {Median,9:N1} µs   p99 {p99,9:N1} µs   bytes {verb} mean {MeanBytes,8:N0}   max {MaxBytes,7:N0}   ≤ {_maxCalls} {(verb == "read" ? "reads" : "requests")}");
        }

        private List<double> Sorted()
        {
            _micros.Sort();
            return _micros;
        }
    }
}
