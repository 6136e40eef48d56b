using System.Diagnostics;
using System.Globalization;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Protocol;
using IrohActors.Node.Tickets;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench transfer --kernel --serve-only</c>: the sender's cost of serving the kernel tree, alone. A <c>send</c> of the
/// tree runs in a child process (this CLI, so its CPU time is the sender's only, read from <c>/proc/PID/stat</c>); this
/// process asks it for the whole collection in one Get per round and discards the response unparsed (TLS and the mux
/// only), so the sender runs as fast as it can serve. There is no anchor: this measures one side, not the transfer.
/// <c>IROH_BENCH_SERVE_PAUSE=N</c> waits N seconds after the ticket (to attach <c>perf</c> or <c>strace</c> to the
/// printed pid).
/// </summary>
internal static class BenchKernelServe
{
    public static async Task<int> RunAsync(string root, int rounds, CancellationToken ct)
    {
        if (KernelTreeSource.Extract(Path.Combine(Path.GetDirectoryName(root)!, "iroh-kernel-work"), Console.Out) is not { } tree)
            return 0;
        var files = KernelTreeSource.Files(tree).Count();
        using var sender = StartSender(tree, Path.Combine(root, "send-data"));
        try
        {
            var clock = Stopwatch.StartNew();
            var line = await sender.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException($"send exited ({sender.StandardError.ReadToEnd().Trim()})");
            var ticket = BlobTicket.Parse(line.Trim());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files} files under {tree}; send (pid {sender.Id}) printed its ticket after {clock.Elapsed.TotalSeconds:F2} s, cpu {ProcessCpu(sender.Id):F2} s"));
            if (Environment.GetEnvironmentVariable("IROH_BENCH_SERVE_PAUSE") is { } pause && int.TryParse(pause, out var seconds))
                await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
            await using var getter = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = Path.Combine(root, "get-data"), ListenAddress = null }, ct);
            var connection = await getter.ConnectAsync(ticket.Node, ct);
            var request = RequestCodec.Encode(new GetRequest(ticket.Hash, ChunkRangesSeq.All));
            var buffer = new byte[1 << 20];
            using var self = Process.GetCurrentProcess();
            var serveCpu = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var before = ProcessCpu(sender.Id);
                self.Refresh();
                var own = self.TotalProcessorTime;
                clock.Restart();
                await using var stream = await connection.OpenStreamAsync(request, ct);
                long bytes = 0;
                int n;
                while ((n = await stream.ReadAsync(buffer, ct)) > 0)
                    bytes += n;
                var wall = clock.Elapsed.TotalSeconds;
                // The sender's last work (its request bookkeeping) may lag the stream's end by a scheduler tick.
                await Task.Delay(200, ct);
                var used = ProcessCpu(sender.Id) - before;
                self.Refresh();
                serveCpu.Add(used);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}: served {bytes} bytes in {wall:F2} s; sender cpu {used:F2} s ({used / files * 1e6:F1} µs per file); getter (discarding) cpu {(self.TotalProcessorTime - own).TotalSeconds:F2} s"));
            }
            var sorted = serveCpu.Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sender cpu while serving, median: {sorted[sorted.Count / 2]:F2} s ({sorted[sorted.Count / 2] / files * 1e6:F1} µs per file)"));
            return 0;
        }
        finally
        {
            if (!sender.HasExited)
            {
                sender.Kill();
                await sender.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>This CLI's <c>send</c> in a child process (its output redirected: the ticket is its first line).</summary>
    private static Process StartSender(string tree, string dataDir)
    {
        var cli = typeof(BenchKernelServe).Assembly.Location;
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals(Path.GetFileNameWithoutExtension(cli), StringComparison.Ordinal))
            start.ArgumentList.Add(cli);
        foreach (var argument in (string[])["send", tree, "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--no-progress"])
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>User + system seconds of process <paramref name="pid"/> (Linux <c>/proc</c>).</summary>
    private static double ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of stat(5), 11 and 12 after the state field; USER_HZ is 100.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
