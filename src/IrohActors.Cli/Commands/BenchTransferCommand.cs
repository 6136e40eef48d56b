using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench transfer</c> part (a): one blob, provider → getter into the getter's file-system store over TLS with
/// full verification, next to its anchors in the same run: curl from nginx on 127.0.0.1 to disk, and curl | b3sum.
/// </summary>
internal static class BenchTransferCommand
{
    public static Command Create()
    {
        var sizeMiB = new Option<int>("--size-mib") { Description = "Size of the blob, in MiB.", DefaultValueFactory = _ => 1024 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds; medians are reported.", DefaultValueFactory = _ => 3 };
        var tempDir = new Option<string>("--temp-dir") { Description = "Where the blob, the stores and nginx's files go (deleted afterwards).", DefaultValueFactory = _ => Path.GetTempPath() };
        var command = new Command("transfer", "(a) a 1 GiB blob provider → getter into the store over 127.0.0.1, next to curl from nginx to disk and curl | b3sum.");
        command.Options.Add(sizeMiB);
        command.Options.Add(rounds);
        var memory = new Option<bool>("--memory-stores") { Description = "Use in-memory stores on both sides (separates network and verification from disk)." };
        command.Options.Add(tempDir);
        command.Options.Add(memory);
        var kernel = new Option<bool>("--kernel") { Description = "(b) instead: the Linux kernel tree from the start of send (import included) to the end of receive into an empty directory, next to tar | nc → nc | tar." };
        command.Options.Add(kernel);
        var serveOnly = new Option<bool>("--serve-only") { Description = "With --kernel: the sender alone — send in a child process, its CPU per Get of the whole tree, the response discarded unparsed (no anchor)." };
        command.Options.Add(serveOnly);
        var warm = new Option<bool>("--warm") { Description = "With --kernel: read the tree into the page cache before every round instead of dropping the cache before every run (cold, as the goal's anchor is; needs root)." };
        command.Options.Add(warm);
        command.SetAction(async (parse, ct) =>
        {
            var root = Path.Combine(parse.GetValue(tempDir)!, $"node-bench-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                if (parse.GetValue(kernel) && parse.GetValue(serveOnly))
                    return await BenchKernelServe.RunAsync(root, Math.Max(1, parse.GetValue(rounds)), ct);
                if (parse.GetValue(kernel))
                    return await BenchKernelTransfer.RunAsync(root, parse.GetResult(rounds) is { Implicit: false } ? Math.Max(1, parse.GetValue(rounds)) : 1, parse.GetValue(warm), ct);
                return await RunAsync(root, (long)parse.GetValue(sizeMiB) << 20, Math.Max(1, parse.GetValue(rounds)), parse.GetValue(memory), ct);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    /// <summary>The TLS the bounds run, as the node does by default here: OpenSSL called directly, or SslStream.</summary>
    private static string TlsKind => new TransportOptions().UsesOpenSsl ? "OpenSSL stream" : "SslStream";

    private static async Task<int> RunAsync(string root, long size, int rounds, bool memory, CancellationToken ct)
    {
        var www = Path.Combine(root, "www");
        Directory.CreateDirectory(www);
        var file = Path.Combine(www, "blob.bin");
        WriteRandomFile(file, size);
        Console.WriteLine($"blob: {size >> 20} MiB random; {rounds} rounds, medians; 127.0.0.1; cores: {Environment.ProcessorCount}");
        if (FreePageReporting.Warning() is { } warning)
            Console.WriteLine(warning);

        // For A/B runs: IROH_BENCH_ENGINE=1 waits on the sockets with the runtime's engine instead of connection threads;
        // IROH_BENCH_SSLSTREAM=1 runs TLS with SslStream instead of OpenSSL directly; IROH_BENCH_OPENSSL_READS=1 and
        // IROH_BENCH_OPENSSL_WRITES=1 let OpenSSL read or write the records instead of our record reader or writer.
        var transport = new TransportOptions
        {
            ConnectionThreads = Environment.GetEnvironmentVariable("IROH_BENCH_ENGINE") is not "1",
            Tls = Environment.GetEnvironmentVariable("IROH_BENCH_SSLSTREAM") is "1" ? TlsProvider.SslStream : TlsProvider.OpenSsl,
            ReadRecordsItself = Environment.GetEnvironmentVariable("IROH_BENCH_OPENSSL_READS") is not "1",
            WriteRecordsItself = Environment.GetEnvironmentVariable("IROH_BENCH_OPENSSL_WRITES") is not "1",
        };
        await using var providerStore = memory ? BlobStores.InMemory() : null;
        await using var provider = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = Path.Combine(root, "provider"), Store = providerStore, ListenAddress = new IPEndPoint(IPAddress.Loopback, 0), Transport = transport }, ct);
        var import = Stopwatch.StartNew();
        using var imported = await provider.Store.ImportFileAsync(file, ImportMode.InPlace, ct);
        var ticket = provider.CreateTicket(imported.Hash, BlobFormat.Raw);
        Console.WriteLine($"provider import in place (hash + outboard): {import.Elapsed.TotalSeconds:F2} s (not part of the transfer figure)");

        using var nginx = NginxServer.Start(root, www);
        var url = nginx?.Url ?? "";
        if (nginx is null)
            Console.WriteLine("nginx not found (apt-get install nginx): anchors skipped");
        var ours = new List<double>();
        var oursCpu = new List<double>();
        var curlDisk = new List<double>();
        var curlDiskCpu = new List<double>();
        var curlB3 = new List<double>();
        var curlB3Cpu = new List<double>();
        var floors = new List<TransferFloor.Floor>();
        var minimal = new List<double>();
        var minimalCpu = new List<double>();
        using var floorServerKey = SecretKey.Generate();
        using var floorClientKey = SecretKey.Generate();
        using var floorServer = NodeCertificate.Create(floorServerKey);
        using var floorClient = NodeCertificate.Create(floorClientKey);
        using var self = Process.GetCurrentProcess();
        var gcLine = "";
        // For A/B runs of the node alone (no anchors, floor or minimal pipeline): not a figure for the goal.
        var nodeOnly = Environment.GetEnvironmentVariable("IROH_BENCH_NODE_ONLY") is "1";
        for (var round = 0; round < rounds; round++)
        {
            var getterDir = Path.Combine(root, $"getter-{round}");
            await using var getterStore = memory ? BlobStores.InMemory() : null;
            await using (var getter = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = getterDir, Store = getterStore, ListenAddress = null, Transport = transport }, ct))
            {
                self.Refresh();
                var cpu = self.TotalProcessorTime;
                var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                var allocated = GC.GetTotalAllocatedBytes();
                var threads = Environment.GetEnvironmentVariable("IROH_BENCH_THREADS") is not null ? ThreadCpuSample.Take() : null;
                var start = Stopwatch.GetTimestamp();
                var clock = Stopwatch.StartNew();
                await getter.DownloadAsync(ticket, null, ct);
                ours.Add(clock.Elapsed.TotalSeconds);
                if (threads is not null)
                {
                    Console.WriteLine("cpu per thread name during the transfer:");
                    foreach (var line in ThreadCpuSample.Take().Since(threads, ours[^1]))
                        Console.WriteLine(line);
                }
                gcLine = $"gc during the transfer: {GC.CollectionCount(0) - gcs.Item1} gen0, {GC.CollectionCount(1) - gcs.Item2} gen1, {GC.CollectionCount(2) - gcs.Item3} gen2; {(GC.GetTotalAllocatedBytes() - allocated) / (1 << 20)} MiB allocated";
                if (Environment.GetEnvironmentVariable("IROH_BENCH_WINDOW") is not null)
                    Console.WriteLine($"transfer window (CLOCK_MONOTONIC, for perf -k monotonic): {start / (double)Stopwatch.Frequency:F6}-{Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency:F6}");
                self.Refresh();
                oursCpu.Add((self.TotalProcessorTime - cpu).TotalSeconds);
                var status = await getter.Store.StatusAsync(ticket.Hash, ct);
                if (status.State != BlobState.Complete || status.Size != (ulong)size)
                    throw new InvalidOperationException($"the getter's store holds {status}");
            }
            if (Directory.Exists(getterDir))
                Directory.Delete(getterDir, recursive: true);
            if (nodeOnly)
            {
                Console.WriteLine($"round {round + 1}: node {ours[^1]:F2} s (cpu {oursCpu[^1]:F2} s)");
                continue;
            }
            if (nginx is not null)
            {
                var output = Path.Combine(root, "curl.out");
                var (wall, used) = TimeWithCpu(root, $"curl -sS -o {output} {url}");
                curlDisk.Add(wall);
                curlDiskCpu.Add(used);
                File.Delete(output);
                (wall, used) = TimeWithCpu(root, $"curl -sS {url} | b3sum --no-names > {root}/b3.out");
                curlB3.Add(wall);
                curlB3Cpu.Add(used);
                var b3 = File.ReadAllText(Path.Combine(root, "b3.out")).Trim();
                if (b3 != ticket.Hash.ToHex())
                    throw new InvalidOperationException($"b3sum says {b3}, the node {ticket.Hash}");
            }
            var floor = await TransferFloor.MeasureAsync(root, file, ticket.Hash, floorServer, floorClient, ct);
            floors.Add(floor);
            var (minimalWall, minimalUsed) = await Task.Run(() => MinimalPipeline.Measure(file, ticket.Hash, root, floorServer, floorClient), ct);
            minimal.Add(minimalWall);
            minimalCpu.Add(minimalUsed);
            Console.WriteLine(gcLine);
            Console.WriteLine($"round {round + 1}: node {ours[^1]:F2} s (cpu {oursCpu[^1]:F2} s)" + (nginx is null ? "" : $", curl to disk {curlDisk[^1]:F2} s (cpu {curlDiskCpu[^1]:F2} s), curl | b3sum {curlB3[^1]:F2} s (cpu {curlB3Cpu[^1]:F2} s)"));
            Console.WriteLine($"  floor: bare {TlsKind} {floor.TlsWall:F2} s (cpu {floor.TlsCpu:F2} s), read {floor.ReadCpu:F2} s, BLAKE3 {floor.HashCpu:F2} s per side" +
                (floor.B3sumCpu is { } b ? $" (b3sum --num-threads 1: {b:F2} s)" : "") + $" → cpu {floor.Cpu:F2} s, ≥ {floor.Wall(Environment.ProcessorCount):F2} s on {Environment.ProcessorCount} cores");
            Console.WriteLine($"  minimal pipeline: {minimal[^1]:F2} s (cpu {minimalCpu[^1]:F2} s)");
        }
        var mib = size / (double)(1 << 20);
        var node = Medians.Of(ours);
        var nodeCpu = Medians.Of(oursCpu);
        Console.WriteLine($"node provider → getter into store (TLS, verified): {node:F2} s ({mib / node:F0} MiB/s), cpu {nodeCpu:F2} s (both sides)");
        if (nodeOnly)
        {
            Console.WriteLine("IROH_BENCH_NODE_ONLY=1: no anchors, no ratio");
            return 0;
        }
        if (nginx is not null)
        {
            var disk = Medians.Of(curlDisk);
            var b3 = Medians.Of(curlB3);
            var diskCpu = Medians.Of(curlDiskCpu);
            var b3Cpu = Medians.Of(curlB3Cpu);
            Console.WriteLine($"curl from nginx to disk:                          {disk:F2} s ({mib / disk:F0} MiB/s), cpu {diskCpu:F2} s (curl only; nginx not counted)   ratio node/curl = {node / disk:F2}×");
            Console.WriteLine($"curl from nginx | b3sum:                          {b3:F2} s ({mib / b3:F0} MiB/s), cpu {b3Cpu:F2} s   ratio node/(curl|b3sum) = {node / b3:F2}×");
            Console.WriteLine("goal (issue 7 §8 a): ≤ 1.0× curl to disk");
        }
        var cores = Environment.ProcessorCount;
        var median = TransferFloor.Median(floors);
        var floorWall = median.Wall(cores);
        var floorCpu = median.Cpu;
        Console.WriteLine($"floor (the work any verified TLS transfer does here: a bare {TlsKind} with the node's TLS settings, the provider's read, BLAKE3 on both sides; spread perfectly over {cores} cores): " +
            $"cpu {floorCpu:F2} s (TLS {median.TlsCpu:F2} + read {median.ReadCpu:F2} + BLAKE3 2 × {median.HashCpu:F2}), ≥ {floorWall:F2} s" + (curlDisk.Count > 0 ? $" = {floorWall / Medians.Of(curlDisk):F2}× curl to disk" : ""));
        Console.WriteLine($"node over the floor: cpu {nodeCpu - floorCpu:+0.00;-0.00} s ({nodeCpu / floorCpu:F2}×), {nodeCpu / node:F2} of {cores} cores busy, wall {node / floorWall:F2}× the floor");
        var least = Medians.Of(minimal);
        Console.WriteLine($"minimal pipeline (the same required work run, not added up: one thread per side reads, hashes and sends over a bare {TlsKind}, receives, hashes and writes with O_DIRECT, fsync): " +
            $"{least:F2} s, cpu {Medians.Of(minimalCpu):F2} s" + (curlDisk.Count > 0 ? $" = {least / Medians.Of(curlDisk):F2}× curl to disk" : "") + $"; node {node / least:F2}× it");
        return 0;
    }

    private static void WriteRandomFile(string path, long size)
    {
        var buffer = new byte[1 << 20];
        var random = new Random(1);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long done = 0; done < size; done += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - done));
        }
    }

    /// <summary>Runs a shell command line; returns its wall time and the user + system CPU time of everything it ran.</summary>
    internal static (double Wall, double Cpu) TimeWithCpu(string root, string commandLine)
    {
        var times = Path.Combine(root, "time.out");
        var clock = Stopwatch.StartNew();
        using (var process = Process.Start(new ProcessStartInfo("/usr/bin/time") { ArgumentList = { "-f", "%U %S", "-o", times, "bash", "-c", commandLine } })!)
        {
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{commandLine} exited with {process.ExitCode}");
        }
        var wall = clock.Elapsed.TotalSeconds;
        var parts = File.ReadAllText(times).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return (wall, double.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Capture(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}");
        return output;
    }

    /// <summary>A foreground nginx serving one directory; stopped when disposed.</summary>
    private sealed class NginxServer(Process process, string url) : IDisposable
    {
        public string Url { get; } = url;

        /// <summary>nginx in the foreground on a free loopback port with a temporary configuration; null when nginx is missing.</summary>
        public static NginxServer? Start(string root, string www)
        {
            var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
            if (nginx is null)
                return null;
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            var conf = Path.Combine(root, "nginx.conf");
            File.WriteAllText(conf, $$"""
                worker_processes 1;
                daemon off;
                pid {{root}}/nginx.pid;
                error_log {{root}}/nginx-error.log;
                events { worker_connections 64; }
                http {
                  access_log off;
                  sendfile on;
                  client_body_temp_path {{root}}/nginx-body;
                  proxy_temp_path {{root}}/nginx-proxy;
                  fastcgi_temp_path {{root}}/nginx-fastcgi;
                  uwsgi_temp_path {{root}}/nginx-uwsgi;
                  scgi_temp_path {{root}}/nginx-scgi;
                  server { listen 127.0.0.1:{{port}}; root {{www}}; }
                }
                """);
            var process = Process.Start(new ProcessStartInfo(nginx, $"-c {conf} -p {root}") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new NginxServer(process, $"http://127.0.0.1:{port}/blob.bin");
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"nginx did not start: {File.ReadAllText(Path.Combine(root, "nginx-error.log"))}");
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                // The whole tree: killing only the master would leave its worker running, orphaned.
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }
    }
}
