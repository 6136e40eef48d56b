using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IrohActors.Blake3;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench hash</c>: our BLAKE3 on a buffer and on a file, single-threaded and on all cores, interleaved with
/// <c>b3sum</c> on the same file in the same run (medians), plus 16 KiB chunk groups as non-root subtrees.
/// </summary>
internal static class BenchHashCommand
{
    private const int ChunkGroupBytes = 16 * 1024;

    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "Input size (e.g. 1GiB, 256MiB, 1000000).", DefaultValueFactory = _ => "1GiB" };
        var reps = new Option<int>("--reps") { Description = "Repetitions of each measurement (medians are printed).", DefaultValueFactory = _ => 7 };
        var command = new Command("hash", "BLAKE3 throughput against b3sum (1 thread and all threads) and of 16 KiB chunk groups.");
        command.Options.Add(size);
        command.Options.Add(reps);
        command.SetAction(pr => Run(ParseSize(pr.GetValue(size)!), Math.Max(1, pr.GetValue(reps))));
        return command;
    }

    internal static long ParseSize(string text)
    {
        var t = text.Trim();
        (string suffix, long factor)[] units = [("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10)];
        foreach (var (suffix, factor) in units)
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return checked((long)(double.Parse(t[..^suffix.Length], CultureInfo.InvariantCulture) * factor));
        return long.Parse(t, CultureInfo.InvariantCulture);
    }

    private static int Run(long size, int reps)
    {
        if (size > Array.MaxLength)
        {
            Console.Error.WriteLine($"bench hash: --size {size} is larger than one buffer can hold ({Array.MaxLength})");
            return 1;
        }
        string? b3sum = AnchorTool.Find("b3sum");
        if (b3sum is null)
            Console.Error.WriteLine("bench hash: b3sum not found on PATH; printing our figures only (apt-get install b3sum)");
        var data = GC.AllocateUninitializedArray<byte>((int)size);
        new Random(42).NextBytes(data);
        string file = Path.Combine(Path.GetTempPath(), $"iroh-bench-hash-{Environment.ProcessId}.bin");
        try
        {
            File.WriteAllBytes(file, data);
            var expected = Hasher.Hash(data);
            Verify(expected, HashFile(file, 1), "file, 1 thread");
            if (b3sum is not null)
                Verify(expected, Hash.Parse(RunB3sum(b3sum, file, null).Hex), "b3sum");
            File.WriteAllBytes(file + ".empty", []);

            var samples = new Dictionary<string, List<double>>();
            void Add(string name, double seconds) => (samples.TryGetValue(name, out var l) ? l : samples[name] = []).Add(seconds);
            void AddTimed(string name, Action action)
            {
                double cpu0 = CpuClock.Thread(), wall = Time(action);
                Add(name, wall);
                Add(name + " cpu", CpuClock.Thread() - cpu0);
            }
            Console.WriteLine($"bench hash: {FormatSize(size)}, {reps} interleaved repetitions (medians), {Environment.ProcessorCount} cores, kernel {Hasher.KernelName}");
            for (int rep = 0; rep < reps; rep++)
            {
                AddTimed("memory 1t", () => Verify(expected, Hasher.Hash(data, 1), "memory, 1 thread"));
                AddTimed("file 1t", () => Verify(expected, HashFile(file, 1), "file, 1 thread"));
                if (b3sum is not null)
                {
                    var startup = RunB3sum(b3sum, file + ".empty", 1);
                    Add("b3sum startup", startup.Seconds);
                    Add("b3sum startup cpu", startup.CpuSeconds);
                    var single = RunB3sum(b3sum, file, 1);
                    Add("b3sum 1t", single.Seconds);
                    Add("b3sum 1t cpu", single.CpuSeconds);
                }
                Add("memory all", Time(() => Verify(expected, Hasher.Hash(data, 0), "memory, all threads")));
                Add("file all", Time(() => Verify(expected, HashFile(file, 0), "file, all threads")));
                if (b3sum is not null)
                    Add("b3sum all", RunB3sum(b3sum, file, null).Seconds);
                AddTimed("chunk groups", () => HashChunkGroups(data));
            }
            Report(size, samples);
            return 0;
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".empty");
        }
    }

    private static void Report(long size, Dictionary<string, List<double>> samples)
    {
        double Median(string name)
        {
            var s = samples[name].Order().ToList();
            return s[s.Count / 2];
        }
        double Rate(string name) => size / Median(name) / 1e9;
        bool anchor = samples.ContainsKey("b3sum 1t");
        double startup = anchor ? Median("b3sum startup") : 0;
        double AnchorRate(string name) => size / Math.Max(1e-9, Median(name) - startup) / 1e9;

        Console.WriteLine($"  {"measurement",-34} {"GB/s",8}  ratio");
        if (anchor)
        {
            Console.WriteLine($"  {"b3sum --num-threads 1 (file)",-34} {AnchorRate("b3sum 1t"),8:F2}  (process start {startup * 1000:F1} ms subtracted)");
            Console.WriteLine($"  {"b3sum (file, all threads)",-34} {AnchorRate("b3sum all"),8:F2}");
        }
        void Line(string label, string name, string? anchorName)
        {
            string ratio = anchorName is not null && anchor ? $"{Rate(name) / AnchorRate(anchorName):F2} x {anchorName}" : "";
            Console.WriteLine($"  {label,-34} {Rate(name),8:F2}  {ratio}");
        }
        Line("ours, memory, 1 thread", "memory 1t", "b3sum 1t");
        Line("ours, file, 1 thread", "file 1t", "b3sum 1t");
        Line("ours, memory, all threads", "memory all", "b3sum all");
        Line("ours, file, all threads", "file all", "b3sum all");
        Console.WriteLine($"  {"ours, 16 KiB chunk groups (non-root)",-34} {Rate("chunk groups"),8:F2}  {Rate("chunk groups") / Rate("memory 1t"):F2} x ours memory 1 thread");

        // CPU time (user + system) of the single-threaded runs: unaffected by other processes taking the cores.
        Console.WriteLine("  single-threaded by CPU time (robust on a busy machine):");
        double cpuStartup = anchor ? Median("b3sum startup cpu") : 0;
        double b3sumCpu = anchor ? size / Math.Max(1e-9, Median("b3sum 1t cpu") - cpuStartup) / 1e9 : 0;
        if (anchor)
            Console.WriteLine($"  {"b3sum --num-threads 1 (file)",-34} {b3sumCpu,8:F2}");
        foreach (var (label, name) in new[] { ("ours, memory, 1 thread", "memory 1t cpu"), ("ours, file, 1 thread", "file 1t cpu"), ("ours, 16 KiB chunk groups", "chunk groups cpu") })
        {
            double rate = Rate(name);
            string ratio = anchor ? $"{rate / b3sumCpu:F2} x b3sum 1t" : "";
            if (name == "chunk groups cpu")
                ratio = $"{rate / Rate("memory 1t cpu"):F2} x ours memory 1 thread";
            Console.WriteLine($"  {label,-34} {rate,8:F2}  {ratio}");
        }
    }

    private static void HashChunkGroups(byte[] data)
    {
        var span = data.AsSpan();
        ulong chunk = 0;
        Hash sink = default;
        for (int offset = 0; offset < span.Length; offset += ChunkGroupBytes, chunk += ChunkGroupBytes / Subtree.ChunkLen)
        {
            var group = span.Slice(offset, Math.Min(ChunkGroupBytes, span.Length - offset));
            sink = Subtree.HashSubtree(chunk, group, isRoot: false);
        }
        GC.KeepAlive(sink);
    }

    private static Hash HashFile(string path, int threads)
    {
        var hasher = Hasher.New();
        FileHashing.UpdateFromFile(hasher, path, threads, useMemoryMap: true);
        return hasher.Finalize();
    }

    private static void Verify(Hash expected, Hash actual, string what)
    {
        if (expected != actual)
            throw new InvalidOperationException($"bench hash: {what} gave {actual}, expected {expected}");
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static (double Seconds, string Hex, double CpuSeconds) RunB3sum(string exe, string file, int? threads)
    {
        double childCpu0 = CpuClock.Children();
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, UseShellExecute = false };
        if (threads is int t)
        {
            psi.ArgumentList.Add("--num-threads");
            psi.ArgumentList.Add(t.ToString(CultureInfo.InvariantCulture));
        }
        psi.ArgumentList.Add("--no-names");
        psi.ArgumentList.Add(file);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double seconds = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"b3sum exited with {p.ExitCode} on {file}");
        return (seconds, output.Trim(), CpuClock.Children() - childCpu0);
    }


    private static string FormatSize(long size) =>
        size % (1L << 30) == 0 ? $"{size >> 30} GiB" : size % (1L << 20) == 0 ? $"{size >> 20} MiB" : $"{size} bytes";
}
