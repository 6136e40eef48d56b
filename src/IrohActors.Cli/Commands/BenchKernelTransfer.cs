using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench transfer --kernel</c>, part (b): the Linux kernel tree from the start of <c>send</c> (the in-place import
/// included) to the end of <c>receive</c> into an empty directory, both nodes in this process over TLS on 127.0.0.1,
/// next to <c>tar -cf - | nc</c> → <c>nc -l | tar -xf -</c> in the same run, and the floor of such a transfer beside
/// that round's tar (<see cref="TreeTransferFloor"/>). The page cache is dropped before every run, as the goal's anchor
/// figure is cold cache (needs root; <c>--warm</c>, or without root, reads the tree into it before every round instead).
/// Every round writes into new folders, deleted only at the end (a many-file write right after a big delete runs
/// several times slower on this ext4).
/// </summary>
internal static class BenchKernelTransfer
{
    public static async Task<int> RunAsync(string root, int rounds, bool warm, CancellationToken ct)
    {
        // Extracted once per temp dir and kept for later runs; the rounds' outputs live under root (deleted after).
        if (KernelTreeSource.Extract(Path.Combine(Path.GetDirectoryName(root)!, "iroh-kernel-work"), Console.Out) is not { } tree)
            return 0;
        var treeFiles = KernelTreeSource.Files(tree).ToList();
        var files = treeFiles.Count;
        var cold = !warm && PageCache.CanDrop();
        Console.WriteLine(cold
            ? $"{files} files under {tree}; page cache dropped before every run (cold, as the goal's anchor); {rounds} round(s), medians"
            : $"{files} files under {tree}; page cache warm (the tree read before every round{(warm ? "" : "; dropping the caches needs root")}); {rounds} round(s), medians");
        var nc = AnchorTool.Find("nc") is not null;
        if (!nc)
            Console.WriteLine("nc not found (apt-get install netcat-openbsd): anchor skipped");
        var ours = new List<(double Wall, double Cpu)>();
        var anchor = new List<(double Wall, double Cpu)>();
        var floors = new List<TreeTransferFloor.Floor>();
        var floorTars = new List<(double Wall, double Cpu)>();
        var tarSyncs = new List<double>();
        var cores = Environment.ProcessorCount;
        using var floorServerKey = SecretKey.Generate();
        using var floorClientKey = SecretKey.Generate();
        using var floorServer = NodeCertificate.Create(floorServerKey);
        using var floorClient = NodeCertificate.Create(floorClientKey);
        using var self = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            // Warm: tar runs first in a round, and after a pause this VM has paged the tree's cache out (docs/transport.md
            // §7.3), so tar alone would read it from disk.
            if (cold)
                DropBefore(round, "tar over nc");
            else
                ReadIntoPageCache(round);
            if (nc)
            {
                anchor.Add(TarOverNc(root, tree, Path.Combine(root, $"nc-out-{round}")));
                var tarSync = FlushWrites();
                tarSyncs.Add(anchor[^1].Wall + tarSync);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: tar | nc → nc | tar {anchor[^1].Wall:F2} s (cpu {anchor[^1].Cpu:F2} s); then sync {tarSync:F2} s"));
                // Cold, the floor's import reads the tree from disk as send's does; what follows the import finds the tree
                // in the page cache, so the floor's tar part is tar over nc run again, warm.
                if (cold)
                    DropBefore(round, "the floor");
                var floor = await TreeTransferFloor.MeasureAsync(treeFiles, floorServer, floorClient, ct);
                floors.Add(floor);
                if (cold)
                {
                    floorTars.Add(TarOverNc(root, tree, Path.Combine(root, $"nc-warm-{round}")));
                    var warmSync = FlushWrites();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  tar over nc again, warm (the floor's part after the import): {floorTars[^1].Wall:F2} s (cpu {floorTars[^1].Cpu:F2} s); then sync {warmSync:F2} s"));
                }
                else
                {
                    floorTars.Add(anchor[^1]);
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  floor: import (read + BLAKE3 of every file, {new StoreOptions().EffectiveImportConcurrency} at once on {cores} cores{(cold ? ", cold" : "")}) {floor.ImportWall:F2} s (cpu read {floor.ReadCpu:F2} + BLAKE3 {floor.HashCpu:F2} s), TLS over TCP +{floor.TlsExtraCpu:F2} s cpu ({(new TransportOptions().UsesOpenSsl ? "OpenSSL" : "SslStream")} {floor.TlsCpu:F2}, TCP {floor.TcpCpu:F2}) → ≥ {floor.Wall(floorTars[^1].Wall, floorTars[^1].Cpu, cores):F2} s"));
            }
            if (cold)
                DropBefore(round, "the node");
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var (sendSeconds, received) = await SendReceiveAsync(root, tree, round, ct);
            var wall = clock.Elapsed.TotalSeconds;
            self.Refresh();
            ours.Add((wall, (self.TotalProcessorTime - cpu).TotalSeconds));
            var nodeSync = FlushWrites();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: send + receive {wall:F2} s (cpu {ours[^1].Cpu:F2} s; send's import {sendSeconds:F2} s of it); {received} files in the target; then sync {nodeSync:F2} s"));
        }
        var node = Medians.Of(ours.Select(o => o.Wall));
        var nodeCpu = Medians.Of(ours.Select(o => o.Cpu));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"node send (import in place) → receive (TLS, verified): {node:F2} s, cpu {nodeCpu:F2} s (both sides)"));
        if (anchor.Count > 0)
        {
            var tar = Medians.Of(anchor.Select(a => a.Wall));
            var tarCpu = Medians.Of(anchor.Select(a => a.Cpu));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tar -cf - | nc → nc -l | tar -xf -:                {tar:F2} s, cpu {tarCpu:F2} s   ratio node/tar = {node / tar:F2}× (cpu {nodeCpu / tarCpu:F2}×)"));
            var floor = TreeTransferFloor.Median(floors);
            var floorTarCpu = Medians.Of(floorTars.Select(a => a.Cpu));
            var floorWall = floor.Wall(Medians.Of(floorTars.Select(a => a.Wall)), floorTarCpu, cores);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"floor (the import's read and hash of every file, then tar over nc's work{(cold ? " (warm)" : "")} plus TLS's extra over TCP and BLAKE3 on both sides, spread perfectly over {cores} cores): cpu {floor.Cpu(floorTarCpu):F2} s, ≥ {floorWall:F2} s = {floorWall / tar:F2}× tar over nc"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"node over the floor: wall {node / floorWall:F2}×, cpu {nodeCpu - floor.Cpu(floorTarCpu):+0.00;-0.00} s"));
            // receive returns once every file is durable (synced before the store records it); tar's files are still being
            // written back when it exits. Beside the goal's anchor, the same tar with the writes made durable after it.
            var durable = Medians.Of(tarSyncs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tar over nc, then sync (its files durable, as receive's are): {durable:F2} s   ratio node/(tar + sync) = {node / durable:F2}×"));
            Console.WriteLine(cold ? "goal (issue 7 §8 b): ≤ 1.25× tar over nc (cold cache)" : "goal (issue 7 §8 b): ≤ 1.25× tar over nc, whose figure is cold cache: this run was warm");
        }
        return 0;

        void DropBefore(int round, string run)
        {
            var seconds = PageCache.Drop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: dropped the page cache before {run} ({seconds:F2} s)"));
        }

        void ReadIntoPageCache(int round)
        {
            var (read, _, _, _) = TreeTransferFloor.ReadEveryFile(treeFiles, hash: false, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: read the tree into the page cache first ({read:F2} s)"));
        }
    }

    /// <summary>Shares <paramref name="tree"/> from a new provider node and receives it with a new getter node into an empty directory.</summary>
    private static async Task<(double SendSeconds, long Files)> SendReceiveAsync(string root, string tree, int round, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // As send does: the import runs while the node starts.
        var (provider, ticket, _) = await IrohNode.StartSharingAsync(new IrohNodeOptions { DataDirectory = Path.Combine(root, $"send-data-{round}"), ListenAddress = new IPEndPoint(IPAddress.Loopback, 0) }, tree, cancellationToken: ct);
        await using var _ = provider;
        var send = clock.Elapsed.TotalSeconds;
        await using var getter = await IrohNode.StartAsync(new IrohNodeOptions { DataDirectory = Path.Combine(root, $"recv-data-{round}"), ListenAddress = null }, ct);
        var target = Path.Combine(root, $"recv-out-{round}");
        var (_, export) = await getter.ReceiveAsync(ticket, target, null, ct);
        return (send, export.Files);
    }

    /// <summary>nc -l | tar -xf - (started first), then tar -cf - | nc; wall time from the sender's start to the receiver's end, CPU of both pipelines.</summary>
    private static (double Wall, double Cpu) TarOverNc(string root, string tree, string output)
    {
        Directory.CreateDirectory(output);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var receiverTimes = Path.Combine(root, "nc-recv.time");
        using var receiver = Process.Start(new ProcessStartInfo("/usr/bin/time")
        {
            ArgumentList = { "-f", "%U %S", "-o", receiverTimes, "bash", "-c", $"nc -l 127.0.0.1 {port} | tar -xf - -C '{output}'" },
        })!;
        // Let the listener bind before the clock starts (a probe connection would use up its one connection).
        Thread.Sleep(500);
        var clock = Stopwatch.StartNew();
        var (_, senderCpu) = BenchTransferCommand.TimeWithCpu(root, $"tar -cf - -C '{tree}' . | nc -N 127.0.0.1 {port}");
        receiver.WaitForExit();
        var wall = clock.Elapsed.TotalSeconds;
        if (receiver.ExitCode != 0)
            throw new InvalidOperationException($"nc -l | tar -xf - exited with {receiver.ExitCode}");
        var parts = File.ReadAllText(receiverTimes).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var receiverCpu = double.Parse(parts[^2], CultureInfo.InvariantCulture) + double.Parse(parts[^1], CultureInfo.InvariantCulture);
        return (wall, senderCpu + receiverCpu);
    }

    /// <summary>
    /// Writes back what the last run left dirty (1.3 GB in 78,579 files), outside the timed part: otherwise the next run
    /// pays for it — the kernel's write-back takes CPU from it on two cores, and its file-system syncs wait for it.
    /// Returns how long that took.
    /// </summary>
    private static double FlushWrites() => PageCache.Sync();
}
