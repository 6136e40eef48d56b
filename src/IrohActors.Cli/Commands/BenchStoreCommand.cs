using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench store</c>: importing one large file into the file-system store (in place and copying) next to plain
/// hashing (b3sum and our Hasher over the file) and <c>cp</c>, interleaved in the same run; with <c>--kernel</c>,
/// importing the extracted Linux source tree next to <c>find | xargs b3sum</c> over the same tree.
/// </summary>
internal static class BenchStoreCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "size of the large file (e.g. 1GiB, 256MiB)", DefaultValueFactory = _ => "1GiB" };
        var reps = new Option<int>("--repeat") { Description = "rounds (the median is reported)", DefaultValueFactory = _ => 3 };
        var kernel = new Option<bool>("--kernel") { Description = "also import the Linux kernel tree (/usr/src/linux-source-6.1.tar.xz, extracted once to /tmp/iroh-kernel-work and kept)" };
        var jobs = new Option<int>("--tree-jobs") { Description = "the most files read and hashed at once during the tree import (iroh.store.import-concurrency; 0 = 4 per core; it starts at one per core and grows while reads wait for the device)", DefaultValueFactory = _ => 0 };
        var treeOnly = new Option<bool>("--tree-only") { Description = "skip the large-file part (with --kernel: only the tree import)" };
        var treeMode = new Option<string>("--tree-mode") { Description = "tree imports to run: both, in-place or copy", DefaultValueFactory = _ => "both" };
        treeMode.AcceptOnlyFromAmong("both", "in-place", "copy");
        var work = new Option<string>("--work-dir") { Description = "scratch directory (same file system as /tmp by default)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), $"store-bench-{Guid.NewGuid():N}") };
        var c = new Command("store", "Store import speed: 1 GiB in place / copying vs hashing and cp; kernel tree vs find | xargs b3sum.");
        c.Options.Add(size);
        c.Options.Add(reps);
        c.Options.Add(kernel);
        c.Options.Add(work);
        c.Options.Add(jobs);
        c.Options.Add(treeOnly);
        c.Options.Add(treeMode);
        c.SetAction(async (pr, ct) =>
        {
            var dir = pr.GetValue(work)!;
            Directory.CreateDirectory(dir);
            try
            {
                var output = pr.InvocationConfiguration.Output;
                if (!pr.GetValue(treeOnly))
                    await LargeFile(dir, BenchBaoCommand.ParseSize(pr.GetValue(size)!), Math.Max(1, pr.GetValue(reps)), output, ct);
                if (pr.GetValue(kernel))
                {
                    ImportMode[] modes = pr.GetValue(treeMode) switch
                    {
                        "in-place" => [ImportMode.InPlace],
                        "copy" => [ImportMode.Copy],
                        _ => [ImportMode.Copy, ImportMode.InPlace],
                    };
                    await KernelTree(dir, Math.Max(1, pr.GetValue(reps)), Math.Max(0, pr.GetValue(jobs)), modes, output, ct);
                }
                return 0;
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        });
        return c;
    }

    private static async Task LargeFile(string dir, long size, int repeat, TextWriter output, CancellationToken ct)
    {
        var file = Path.Combine(dir, "big.bin");
        WriteRandomFile(file, size);
        var expected = Hasher.New().Update(File.OpenRead(file)).Finalize();
        output.WriteLine($"bench store: one {Gb(size)} GB file (page cache warm), {Environment.ProcessorCount} cores, median of {repeat} interleaved rounds");
        var results = new Dictionary<string, List<double>>();
        void Add(string name, double seconds) => (results.TryGetValue(name, out var l) ? l : results[name] = []).Add(seconds);
        for (var r = 0; r < repeat; r++)
        {
            Add("b3sum (all cores)", Time(() => RunTool("b3sum", ["--no-names", file])));
            Add("Hasher over the file", Time(() => Check(HashFile(file), expected)));
            var copy = Path.Combine(dir, $"cp-{r}.bin");
            Add("cp", Time(() => RunTool("cp", [file, copy])));
            File.Delete(copy);
            Add("import in place", await TimeAsync(() => Import(dir, $"inplace-{r}", file, ImportMode.InPlace, expected, ct)));
            Add("import copying (+fsync)", await TimeAsync(() => Import(dir, $"copy-{r}", file, ImportMode.Copy, expected, ct)));
        }
        var hash = Medians.Of(results["Hasher over the file"]);
        var b3 = Medians.Of(results["b3sum (all cores)"]);
        output.WriteLine($"{"",-26} {"seconds",8} {"GB/s",7} {"vs b3sum",9} {"vs Hasher",10}");
        foreach (var (name, list) in results)
        {
            var s = Medians.Of(list);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-26} {s,8:F3} {size / s / 1e9,7:F2} {b3 / s,8:F2}x {hash / s,9:F2}x"));
        }
        File.Delete(file);
    }

    private static async Task Import(string dir, string name, string file, ImportMode mode, Hash expected, CancellationToken ct)
    {
        var storeDir = Path.Combine(dir, name);
        await using (var store = BlobStores.OpenFileSystem(storeDir))
        {
            using var result = await store.ImportFileAsync(file, mode, ct);
            Check(result.Hash, expected);
        }
        Directory.Delete(storeDir, true);
    }

    private static async Task KernelTree(string dir, int repeat, int jobs, ImportMode[] modes, TextWriter output, CancellationToken ct)
    {
        output.WriteLine();
        // Extracted once into the temp dir's iroh-kernel-work (shared with bench transfer --kernel) and kept for later runs.
        if (KernelTreeSource.Extract(Path.Combine(Path.GetTempPath(), "iroh-kernel-work"), output) is not { } tree)
            return;
        var files = KernelTreeSource.Files(tree).ToArray();
        var bytes = files.Sum(f => new FileInfo(f).Length);
        output.WriteLine($"{files.Length} files, {Gb(bytes)} GB; warm cache; one batch import (up to {(jobs > 0 ? jobs : new StoreOptions().EffectiveImportConcurrency)} files at once, group commit); each import into a new store directory (ext4 trap)");
        var b3 = new List<(double Wall, double Cpu)>();
        var imports = modes.ToDictionary(m => m, _ => new List<(double Wall, double Cpu)>());
        for (var r = 0; r < repeat; r++)
        {
            var cpu = 0.0;
            var wall = Time(() => cpu = RunWithChildCpu($"find '{tree}' -type f -print0 | xargs -0 -P 2 -n 2000 b3sum > /dev/null"));
            b3.Add((wall, cpu));
            foreach (var mode in imports.Keys)
            {
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                wall = await TimeAsync(() => ImportTree(Path.Combine(dir, $"tree-store-{mode}-{r}"), files, mode, jobs, ct));
                imports[mode].Add((wall, (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds));
            }
        }
        var anchor = Medians.Of(b3.Select(x => x.Wall));
        var anchorCpu = Medians.Of(b3.Select(x => x.Cpu));
        output.WriteLine($"{"",-26} {"wall s",8} {"files/s",9}  {"vs b3sum",9}  {"CPU s",7} {"CPU vs b3sum",12}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"find | xargs -P2 b3sum",-26} {anchor,8:F2} {files.Length / anchor,9:F0}  {1.0,8:F2}x  {anchorCpu,7:F2} {1.0,11:F2}x"));
        foreach (var (mode, list) in imports)
        {
            var s = Medians.Of(list.Select(x => x.Wall));
            var c = Medians.Of(list.Select(x => x.Cpu));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"import " + (mode == ImportMode.Copy ? "copying" : "in place"),-26} {s,8:F2} {files.Length / s,9:F0}  {s / anchor,8:F2}x  {c,7:F2} {c / anchorCpu,11:F2}x"));
        }
        // Store directories are deleted only at the end, so no run writes right after a big delete.
    }

    private static async Task ImportTree(string storeDir, string[] files, ImportMode mode, int jobs, CancellationToken ct)
    {
        await using var store = BlobStores.OpenFileSystem(storeDir, new StoreOptions { ImportConcurrency = jobs });
        foreach (var result in await store.ImportFilesAsync(files, mode, ct))
            result.Dispose();
    }

    /// <summary>Runs a shell pipeline; returns the user + system CPU seconds of all its processes (bash's <c>times</c>).</summary>
    private static double RunWithChildCpu(string pipeline)
    {
        var psi = new ProcessStartInfo("bash", ["-c", pipeline + "; times"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{pipeline} failed ({p.ExitCode}): {stderr.Result}");
        // times prints the shell's user/system times, then its children's: "0m0.892s 0m1.080s".
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines[^1].Split(' ').Sum(ParseShellTime);
    }

    private static double ParseShellTime(string text)
    {
        var m = text.IndexOf('m', StringComparison.Ordinal);
        return double.Parse(text[..m], CultureInfo.InvariantCulture) * 60 + double.Parse(text[(m + 1)..].TrimEnd('s'), CultureInfo.InvariantCulture);
    }

    private static Hash HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[16 << 20];
        var hasher = Hasher.New();
        int n;
        while ((n = stream.Read(buffer)) > 0)
            hasher.UpdateParallel(buffer.AsSpan(0, n), 0);
        return hasher.Finalize();
    }

    private static void WriteRandomFile(string path, long size)
    {
        var buffer = new byte[16 << 20];
        var random = new Random(42);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        for (long done = 0; done < size;)
        {
            var n = (int)Math.Min(buffer.Length, size - done);
            random.NextBytes(buffer.AsSpan(0, n));
            stream.Write(buffer, 0, n);
            done += n;
        }
    }

    private static void RunTool(string tool, string[] args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        _ = stdout.Result;
    }

    private static void Check(Hash actual, Hash expected)
    {
        if (actual != expected)
            throw new InvalidOperationException($"hash mismatch: {actual} != {expected}");
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed.TotalSeconds;
    }

    private static string Gb(long bytes) => (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture);
}
