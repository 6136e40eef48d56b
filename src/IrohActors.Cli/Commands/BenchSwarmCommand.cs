using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using IrohActors.Blake3;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Swarm;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench swarm</c>: one blob from 1, 2 and 4 providers on 127.0.0.1 (plus a run with one throttled provider)
/// into a fresh file-system store, next to the single-peer getter (the anchor) in the same run, printing time,
/// throughput, CPU time, peak memory and bytes received per byte needed; then the 4-provider run on a smaller blob
/// to show that peak memory does not grow with the blob.
/// </summary>
internal static class BenchSwarmCommand
{
    private const long MiB = 1 << 20;

    public static Command Create()
    {
        var sizeMiB = new Option<int>("--size-mib") { Description = "Size of the blob, in MiB.", DefaultValueFactory = _ => 1024 };
        var compareMiB = new Option<int>("--compare-mib") { Description = "A second, smaller blob for the 4-provider run, to compare peak memory (0 = skip).", DefaultValueFactory = _ => 256 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds; medians are reported.", DefaultValueFactory = _ => 2 };
        var throttleMiB = new Option<int>("--throttle-mib") { Description = "Rate of the throttled provider, MiB/s.", DefaultValueFactory = _ => 8 };
        var tempDir = new Option<string>("--temp-dir") { Description = "Where the blob and the stores go (deleted afterwards).", DefaultValueFactory = _ => Path.GetTempPath() };
        var command = new Command("swarm", "A blob from 1, 2 and 4 providers (and one throttled) on 127.0.0.1, next to the single-peer getter in the same run.");
        command.Options.Add(sizeMiB);
        command.Options.Add(compareMiB);
        command.Options.Add(rounds);
        command.Options.Add(throttleMiB);
        command.Options.Add(tempDir);
        command.SetAction(async (parse, ct) =>
        {
            var root = Path.Combine(parse.GetValue(tempDir)!, $"swarm-bench-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                return await RunAsync(root, parse.GetValue(sizeMiB) * MiB, parse.GetValue(compareMiB) * MiB, Math.Max(1, parse.GetValue(rounds)), parse.GetValue(throttleMiB) * MiB, ct);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string root, long size, long compareSize, int rounds, long throttle, CancellationToken ct)
    {
        Console.WriteLine($"blob: {size / MiB} MiB random; {rounds} rounds, medians; 127.0.0.1, TLS, full verification; cores: {Environment.ProcessorCount}");
        Console.WriteLine("stores: providers share one file-system store (blob imported in place); each getter a fresh file-system store in the temp dir");
        Console.WriteLine("memory: peak of this whole process (providers and getter) above the level before each run, sampled every 20 ms");
        await using var providerStore = BlobStores.OpenFileSystem(Path.Combine(root, "provider"));
        var hash = await ImportAsync(root, providerStore, "blob.bin", size, ct);
        var providers = new List<IrohNode>();
        var keys = Enumerable.Range(0, 4).Select(_ => Node.Identity.SecretKey.Generate()).ToList();
        try
        {
            foreach (var key in keys)
                providers.Add(await IrohNode.StartAsync(new IrohNodeOptions { Key = key, Store = providerStore, ListenAddress = new IPEndPoint(IPAddress.Loopback, 0) }, ct));
            await using var slow = new RateLimitedProvider(providerStore, throttle);
            var addresses = providers.Select(p => p.Address).ToList();
            var scenarios = new (string Name, IReadOnlyList<NodeAddr>? Providers)[]
            {
                ("single-peer getter (anchor)", null),
                ("swarm, 1 provider", addresses.Take(1).ToList()),
                ("swarm, 2 providers", addresses.Take(2).ToList()),
                ("swarm, 4 providers", addresses),
                ($"swarm, 3 + 1 throttled ({throttle / MiB} MiB/s)", addresses.Take(3).Append(slow.Address).ToList()),
            };
            // Warm-up (JIT, connections, thread pool), not reported: the anchor and the 4-provider swarm on a small blob.
            var warm = await ImportAsync(root, providerStore, "warm.bin", Math.Min(size, 32 * MiB), ct);
            await MeasureAsync(root, warm, Math.Min(size, 32 * MiB), null, providers[0].Address, ct);
            await MeasureAsync(root, warm, Math.Min(size, 32 * MiB), addresses, providers[0].Address, ct);
            var results = scenarios.Select(_ => new List<Run>()).ToList();
            for (var round = 0; round < rounds; round++)
                for (var i = 0; i < scenarios.Length; i++)
                {
                    var run = await MeasureAsync(root, hash, size, scenarios[i].Providers, providers[0].Address, ct);
                    results[i].Add(run);
                    Console.WriteLine($"  round {round + 1}: {scenarios[i].Name,-36} {run}");
                }
            Console.WriteLine();
            Console.WriteLine($"{"run",-36} {"time",8} {"MiB/s",8} {"vs anchor",10} {"CPU s",7} {"peak GC",9} {"peak WS",9} {"recv/need",10} {"dup",8}");
            var anchor = Median(results[0].Select(r => r.Seconds));
            var anchorCpu = Median(results[0].Select(r => r.CpuSeconds));
            for (var i = 0; i < scenarios.Length; i++)
            {
                var runs = results[i];
                var t = Median(runs.Select(r => r.Seconds));
                var cpu = Median(runs.Select(r => r.CpuSeconds));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{scenarios[i].Name,-36} {t,7:F2}s {size / MiB / t,8:F0} {t / anchor,9:F2}× {cpu,7:F1} {runs.Max(r => r.PeakGc) / MiB,7:F0}Mi {runs.Max(r => r.PeakWorkingSet) / MiB,7:F0}Mi {Median(runs.Select(r => r.Overhead)),10:F4} {Median(runs.Select(r => r.DuplicateShare)),7:P2}"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU time ratio, 4 providers / anchor: {Median(results[3].Select(r => r.CpuSeconds)) / anchorCpu:F2}"));
            if (compareSize > 0 && compareSize != size)
            {
                var small = await ImportAsync(root, providerStore, "small.bin", compareSize, ct);
                var run = await MeasureAsync(root, small, compareSize, addresses, providers[0].Address, ct);
                var big = results[3];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"memory in the blob size, 4 providers: {compareSize / MiB} MiB → peak GC {run.PeakGc / MiB} MiB, WS {run.PeakWorkingSet / MiB} MiB; {size / MiB} MiB → peak GC {big.Max(r => r.PeakGc) / MiB} MiB, WS {big.Max(r => r.PeakWorkingSet) / MiB} MiB"));
            }
            return 0;
        }
        finally
        {
            foreach (var p in providers)
                await p.DisposeAsync();
            foreach (var key in keys)
                key.Dispose();
        }
    }

    private static async Task<Hash> ImportAsync(string root, IBlobStore store, string name, long size, CancellationToken ct)
    {
        var file = Path.Combine(root, name);
        WriteRandomFile(file, size, (int)(size / MiB));
        var clock = Stopwatch.StartNew();
        using var imported = await store.ImportFileAsync(file, ImportMode.InPlace, ct);
        await store.SetTagAsync(name, imported.Hash, BlobFormat.Raw, ct);
        Console.WriteLine($"provider import of {name} in place: {clock.Elapsed.TotalSeconds:F2} s (not part of the figures)");
        return imported.Hash;
    }

    /// <summary>One download into a fresh getter: the single-peer getter when <paramref name="providers"/> is null.</summary>
    private static async Task<Run> MeasureAsync(string root, Hash hash, long size, IReadOnlyList<NodeAddr>? providers, NodeAddr anchorProvider, CancellationToken ct)
    {
        var dir = Path.Combine(root, $"getter-{Guid.NewGuid():N}");
        try
        {
            await using var getter = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = dir, ListenAddress = null }, ct);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var sampler = new MemorySampler();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            long received, duplicates = 0;
            if (providers is null)
                received = (await getter.DownloadAsync(new Node.Tickets.BlobTicket(anchorProvider, hash, BlobFormat.Raw), null, ct)).BytesReceived;
            else
            {
                var result = await new SwarmDownloader(getter).DownloadAsync(hash, BlobFormat.Raw, providers, null, ct);
                received = result.BytesReceived;
                duplicates = result.DuplicateBytes;
            }
            var seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            var (gc, ws) = sampler.Stop();
            var status = await getter.Store.StatusAsync(hash, ct);
            if (status.State != BlobState.Complete || status.Size != (ulong)size)
                throw new InvalidOperationException($"the getter's store holds {status}");
            return new Run(seconds, cpuSeconds, gc, ws, (double)received / size, (double)duplicates / size);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    private static void WriteRandomFile(string path, long size, int seed)
    {
        var buffer = new byte[1 << 20];
        var random = new Random(seed);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long done = 0; done < size; done += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - done));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private readonly record struct Run(double Seconds, double CpuSeconds, long PeakGc, long PeakWorkingSet, double Overhead, double DuplicateShare)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Seconds:F2} s, CPU {CpuSeconds:F1} s, peak GC +{PeakGc / MiB} MiB, WS +{PeakWorkingSet / MiB} MiB, received/needed {Overhead:F4}, duplicates {DuplicateShare:P2}");
    }

    /// <summary>Samples the GC heap and the process working set every 20 ms; reports the peaks above the starting level.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly long _gcBase = GC.GetTotalMemory(false);
        private readonly long _wsBase = Environment.WorkingSet;
        private long _gcPeak;
        private long _wsPeak;

        public MemorySampler() => _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(20, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        public (long Gc, long WorkingSet) Stop()
        {
            _stop.Cancel();
            _loop.Wait();
            Sample();
            return (Math.Max(0, _gcPeak - _gcBase), Math.Max(0, _wsPeak - _wsBase));
        }

        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
                Stop();
            _stop.Dispose();
        }

        private void Sample()
        {
            _gcPeak = Math.Max(_gcPeak, GC.GetTotalMemory(false));
            _wsPeak = Math.Max(_wsPeak, Environment.WorkingSet);
        }
    }
}
