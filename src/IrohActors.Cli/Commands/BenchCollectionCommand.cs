using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using IrohActors.Actors;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Collections.Index;
using IrohActors.Hocon;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench collection</c>: builds a collection from a directory tree (the Linux kernel source, or a generated tree of
/// the same size) and one from a synthetic multi-million-link list, and measures build time, size, lookup and prefix
/// query latency and bytes read per query; anchors (b3sum over the tree, GNU sort over the list) run in the same run.
/// </summary>
internal static class BenchCollectionCommand
{
    private const string KernelPackage = "linux-source-6.1";
    private const string KernelTarball = "/usr/src/linux-source-6.1.tar.xz";
    private const int PrefixLimit = 100;
    private const long LookupGoalBytes = 64 * 1024;

    public static Command Create()
    {
        var tree = new Option<string?>("--tree") { Description = "Directory tree to build the first collection from (e.g. a Linux source tree)" };
        var kernel = new Option<bool>("--kernel") { Description = $"Without --tree: install {KernelPackage} with apt, extract it to /tmp and use it (deleted afterwards)" };
        var files = new Option<int>("--files") { Description = "Without --tree or --kernel: files in the generated tree", DefaultValueFactory = _ => 79_000 };
        var links = new Option<long>("--links") { Description = "Links in the synthetic list collection (0 skips it)", DefaultValueFactory = _ => 10_000_000 };
        var lookups = new Option<int>("--lookups") { Description = "Random names looked up (and directory prefixes queried) per collection", DefaultValueFactory = _ => 2_000 };
        var budget = new Option<string?>("--memory-budget") { Description = "Builder memory budget such as 64MiB (default: iroh.collections.builder.memory-budget)" };
        var noAnchor = new Option<bool>("--no-anchor") { Description = "Skip the anchor tools (b3sum, GNU sort)" };
        var command = new Command("collection", "Collections: build from a directory tree and from a synthetic link list; lookup and prefix-query latency and bytes read, beside b3sum and GNU sort.");
        foreach (var option in new Option[] { tree, kernel, files, links, lookups, budget, noAnchor })
            command.Options.Add(option);
        command.SetAction(async (pr, ct) =>
        {
            long memoryBudget;
            try
            {
                var config = HoconConfig.Load(pr.GetValue(budget) is { } text ? HoconConfig.ParseString($"iroh.collections.builder.memory-budget = {text}") : null);
                memoryBudget = config.GetByteSize("iroh.collections.builder.memory-budget");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Console.Error.WriteLine($"bench collection: {ex.Message}");
                return 2;
            }
            var settings = new Settings(pr.GetValue(tree), pr.GetValue(kernel), pr.GetValue(files), pr.GetValue(links), pr.GetValue(lookups), memoryBudget, !pr.GetValue(noAnchor));
            if (settings.Files < 1 || settings.Links < 0 || settings.Lookups < 10 || memoryBudget <= 0)
            {
                Console.Error.WriteLine("bench collection: --files must be ≥ 1, --links ≥ 0, --lookups ≥ 10, --memory-budget > 0");
                return 2;
            }
            return await RunAsync(settings, ct).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record Settings(string? Tree, bool Kernel, int Files, long Links, int Lookups, long MemoryBudget, bool Anchors);

    private static async Task<int> RunAsync(Settings s, CancellationToken ct)
    {
        Console.WriteLine($"bench collection: {Environment.ProcessorCount} cores, load average {LoadAverage()}, builder memory budget {s.MemoryBudget:N0} B");
        string work = Path.Combine(Path.GetTempPath(), $"iroh-bench-collection-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            var options = new CollectionBuilderOptions { MemoryBudget = s.MemoryBudget, TempDirectory = work };
            int status = await TreePartAsync(s, work, options, ct).ConfigureAwait(false);
            if (status == 0 && s.Links > 0)
                await ListPartAsync(s, work, options, ct).ConfigureAwait(false);
            return status;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // ---------------------------------------------------------------- directory tree

    private static async Task<int> TreePartAsync(Settings s, string work, CollectionBuilderOptions options, CancellationToken ct)
    {
        string root;
        string source;
        if (s.Tree is { } given)
        {
            if (!Directory.Exists(given))
            {
                Console.Error.WriteLine($"bench collection: --tree {given}: no such directory");
                return 2;
            }
            root = given;
            source = given;
        }
        else if (s.Kernel)
        {
            root = Path.Combine(work, "kernel");
            if (!await PrepareKernelAsync(root, ct).ConfigureAwait(false))
                return 1;
            source = $"{KernelPackage} ({KernelTarball}, extracted)";
        }
        else
        {
            root = Path.Combine(work, "tree");
            var sw = Stopwatch.StartNew();
            GenerateTree(root, s.Files);
            source = $"generated tree of {s.Files:N0} files ({sw.Elapsed.TotalSeconds:F1} s to write)";
        }

        Console.WriteLine();
        Console.WriteLine($"== directory tree: {source}");
        string path = Path.Combine(work, "tree.collection");
        int skipped = 0;
        var build = Stopwatch.StartNew();
        CollectionInfo info;
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.SequentialScan))
            info = await CollectionBuilder.BuildAsync(DirectoryLinks.EnumerateAsync(root, _ => skipped++, ct), output, options, ct).ConfigureAwait(false);
        build.Stop();
        await PrintBuildAsync(info, path, build.Elapsed, skipped).ConfigureAwait(false);

        if (s.Anchors)
        {
            // Runs after our build, so it finds the files in the page cache: the ratio is conservative for us.
            var anchor = Stopwatch.StartNew();
            bool ok = await RunToolAsync("sh", ["-c", "find . -type f -print0 | xargs -0 b3sum --no-names > /dev/null"], root, ct).ConfigureAwait(false);
            anchor.Stop();
            if (ok)
                Console.WriteLine($"  anchor: find | xargs b3sum over the same files {anchor.Elapsed.TotalSeconds,8:F2} s   (build / anchor = {build.Elapsed / anchor.Elapsed:F2}×; the build also sorts and indexes)");
        }

        // Sample random names (and their directories as prefixes) from the collection itself.
        var rng = new Random(1);
        var names = new List<byte[]>((int)Math.Min(info.Count, int.MaxValue));
        using (var file = new FileBlobReader(path))
        {
            var reader = await CollectionReader.OpenAsync(file, ct).ConfigureAwait(false);
            await foreach (var link in reader.EnumerateAsync(ct).ConfigureAwait(false))
                names.Add(link.Name.ToArray());
        }
        var sample = Enumerable.Range(0, s.Lookups).Select(_ => names[rng.Next(names.Count)]).ToList();
        await MeasureQueriesAsync(path, sample, ct).ConfigureAwait(false);
        await MeasureIndexActorAsync(info, path, sample, ct).ConfigureAwait(false);
        File.Delete(path);
        return 0;
    }

    private static async Task<bool> PrepareKernelAsync(string target, CancellationToken ct)
    {
        if (!File.Exists(KernelTarball))
        {
            Console.WriteLine($"installing {KernelPackage} with apt-get …");
            if (!await RunToolAsync("apt-get", ["install", "-y", "-q", KernelPackage], null, ct).ConfigureAwait(false) || !File.Exists(KernelTarball))
            {
                Console.Error.WriteLine($"bench collection: could not install {KernelPackage} (apt-get needs root and network); pass --tree DIR instead");
                return false;
            }
        }
        Directory.CreateDirectory(target);
        var sw = Stopwatch.StartNew();
        if (!await RunToolAsync("tar", ["-xf", KernelTarball, "-C", target, "--strip-components=1"], null, ct).ConfigureAwait(false))
        {
            Console.Error.WriteLine($"bench collection: extracting {KernelTarball} failed");
            return false;
        }
        Console.WriteLine($"extracted {KernelTarball} in {sw.Elapsed.TotalSeconds:F1} s");
        return true;
    }

    /// <summary>A kernel-shaped tree: nested directories, mostly .c/.h files of 100 B – 4 KiB.</summary>
    private static void GenerateTree(string root, int files)
    {
        string[] top = ["arch", "drivers", "fs", "net", "sound", "include", "kernel", "mm", "tools", "Documentation"];
        string[] extensions = [".c", ".c", ".c", ".h", ".h", ".rst", ".S", ".yaml"];
        var rng = new Random(79);
        var content = new byte[4096];
        for (int i = 0; i < files; i++)
        {
            string dir = Path.Combine(root, top[i % top.Length], $"sub{i / 10 % 80:D2}", $"part{i / 800 % 10}");
            if (i < 8000) // the layout repeats every 8,000 files
                Directory.CreateDirectory(dir);
            rng.NextBytes(content);
            File.WriteAllBytes(Path.Combine(dir, $"file-{i:D6}{extensions[i % extensions.Length]}"), content.AsSpan(0, 100 + rng.Next(content.Length - 100)).ToArray());
        }
    }

    // ---------------------------------------------------------------- synthetic list

    private static async Task ListPartAsync(Settings s, string work, CollectionBuilderOptions options, CancellationToken ct)
    {
        Console.WriteLine();
        Console.WriteLine($"== synthetic list: {s.Links:N0} links in shuffled order, names like {Encoding.UTF8.GetString(ListName(12_345))}");
        var list = new SyntheticList(s.Links);
        string path = Path.Combine(work, "list.collection");
        var peakBefore = Process.GetCurrentProcess().PeakWorkingSet64;
        var build = Stopwatch.StartNew();
        CollectionInfo info;
        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.SequentialScan))
            info = await CollectionBuilder.BuildAsync(list.Links(), output, options, ct).ConfigureAwait(false);
        build.Stop();
        await PrintBuildAsync(info, path, build.Elapsed, 0).ConfigureAwait(false);
        var process = Process.GetCurrentProcess();
        Console.WriteLine($"  peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MiB (before the build {peakBefore / 1048576.0:N0} MiB)");

        if (s.Anchors)
            await SortAnchorAsync(list, work, s.MemoryBudget, build.Elapsed, ct).ConfigureAwait(false);

        var rng = new Random(2);
        var sample = Enumerable.Range(0, s.Lookups).Select(_ => ListName(rng.NextInt64(s.Links))).ToList();
        await MeasureQueriesAsync(path, sample, ct).ConfigureAwait(false);
        File.Delete(path);
    }

    /// <summary>GNU sort of the same links as text lines (name, space, hex hash), with the same memory budget.</summary>
    private static async Task SortAnchorAsync(SyntheticList list, string work, long budget, TimeSpan build, CancellationToken ct)
    {
        string input = Path.Combine(work, "list.txt");
        string sorted = Path.Combine(work, "list.sorted.txt");
        try
        {
            await using (var writer = new StreamWriter(input, false, new UTF8Encoding(false), 1 << 16))
            {
                foreach (var link in list.Links())
                {
                    await writer.WriteAsync(Encoding.UTF8.GetString(link.Name.Span)).ConfigureAwait(false);
                    await writer.WriteAsync(' ').ConfigureAwait(false);
                    await writer.WriteLineAsync(link.Hash.ToHex()).ConfigureAwait(false);
                }
            }
            var sw = Stopwatch.StartNew();
            bool ok = await RunToolAsync("sort", ["-S", $"{budget}b", "-T", work, "-o", sorted, input], null, ct, ("LC_ALL", "C")).ConfigureAwait(false);
            sw.Stop();
            if (ok)
                Console.WriteLine($"  anchor: LC_ALL=C sort -S {budget}b of the same links as text {sw.Elapsed.TotalSeconds,8:F2} s   (build / anchor = {build / sw.Elapsed:F2}×; the build also indexes and hashes)");
        }
        finally
        {
            File.Delete(input);
            File.Delete(sorted);
        }
    }

    internal static byte[] ListName(long j) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"src/d{j % 1000:D3}/s{j / 1000 % 100:D2}/file-{j:D9}.c"));

    /// <summary>Links 0..n-1 in a fixed shuffled order (an affine permutation), with made-up link hashes.</summary>
    internal sealed class SyntheticList(long count)
    {
        private readonly ulong _step = StepFor((ulong)count);

        public IEnumerable<Link> Links()
        {
            var hash = new byte[Hash.Size];
            for (long i = 0; i < count; i++)
            {
                long j = (long)(((UInt128)(ulong)i * _step + 12_345) % (ulong)count);
                ulong x = (ulong)j;
                for (int k = 0; k < 4; k++)
                    BinaryPrimitives.WriteUInt64LittleEndian(hash.AsSpan(k * 8), x = SplitMix(x));
                yield return new Link(ListName(j), Hash.FromBytes(hash));
            }
        }

        private static ulong StepFor(ulong n)
        {
            ulong step = 0x9E3779B97F4A7C15UL % Math.Max(n, 1);
            while (n > 1 && (step < 2 || Gcd(step, n) != 1))
                step = (step + 1) % n;
            return Math.Max(step, 1);
        }

        private static ulong Gcd(ulong a, ulong b) => b == 0 ? a : Gcd(b, a % b);

        private static ulong SplitMix(ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }

    // ---------------------------------------------------------------- measuring

    private static async Task PrintBuildAsync(CollectionInfo info, string path, TimeSpan elapsed, int skipped)
    {
        using var file = new FileBlobReader(path);
        var reader = await CollectionReader.OpenAsync(file).ConfigureAwait(false);
        Console.WriteLine($"  build                {elapsed.TotalSeconds,10:F2} s   {info.Count / elapsed.TotalSeconds,12:N0} links/s");
        Console.WriteLine($"  links                {info.Count,10:N0}     {(skipped > 0 ? $"({skipped} symbolic links skipped)" : "")}");
        Console.WriteLine($"  size                 {info.Size,10:N0} B   {info.Size / 1048576.0:N1} MiB, {(double)info.Size / Math.Max(1, info.Count):F1} B/link, {reader.IndexLevels} index levels");
        Console.WriteLine($"  cid                  {info.Cid}");
    }

    /// <summary>Lookups of <paramref name="names"/> and prefix queries of their directories (first 100 links) on the local blob.</summary>
    private static async Task MeasureQueriesAsync(string path, IReadOnlyList<byte[]> names, CancellationToken ct)
    {
        using var file = new FileBlobReader(path);
        var counting = new CountingBlobReader(file);
        var reader = await CollectionReader.OpenAsync(counting, ct).ConfigureAwait(false);
        long openBytes = counting.BytesRead;
        long openReads = counting.Reads;

        for (int i = 0; i < Math.Min(100, names.Count); i++) // warm-up: JIT and page cache
            await reader.GetAsync(names[i], ct).ConfigureAwait(false);

        var lookups = new Samples(names.Count);
        foreach (var name in names)
        {
            counting.Reset();
            long t0 = Stopwatch.GetTimestamp();
            var hash = await reader.GetAsync(name, ct).ConfigureAwait(false);
            lookups.Add(Stopwatch.GetElapsedTime(t0), counting.BytesRead, counting.Reads);
            if (hash is null)
                throw new InvalidOperationException($"bench collection: {Encoding.UTF8.GetString(name)} is in the collection but the lookup missed it");
        }

        var prefixes = new Samples(names.Count);
        long matched = 0;
        foreach (var name in names)
        {
            var prefix = DirectoryOf(name);
            counting.Reset();
            long t0 = Stopwatch.GetTimestamp();
            int n = 0;
            await foreach (var _ in reader.PrefixAsync(prefix, ct).ConfigureAwait(false))
                if (++n == PrefixLimit)
                    break;
            prefixes.Add(Stopwatch.GetElapsedTime(t0), counting.BytesRead, counting.Reads);
            matched += n;
        }

        Console.WriteLine($"  open (header + root page)    {openBytes,8:N0} B in {openReads} reads");
        lookups.Print("lookup (local, page cache warm)");
        prefixes.Print($"prefix query, first ≤ {PrefixLimit} links of a random name's directory (mean {(double)matched / names.Count:F1} links)");
        bool goal = lookups.MaxBytes <= LookupGoalBytes;
        Console.WriteLine($"  goal a lookup reads ≤ 64 KiB: {(goal ? "met" : "NOT met")} (worst {lookups.MaxBytes:N0} B of {reader.Size:N0} B)");
    }

    /// <summary>The same queries through a <see cref="CollectionIndexActor"/> holding the collection (load time, memory, ask latency).</summary>
    private static async Task MeasureIndexActorAsync(CollectionInfo info, string path, IReadOnlyList<byte[]> names, CancellationToken ct)
    {
        using var system = ActorSystem.Create("bench");
        var index = system.ActorOf(CollectionIndexActor.Props((hash, _) =>
            ValueTask.FromResult<IBlobReader?>(hash == info.Hash ? new FileBlobReader(path) : null)));
        var timeout = TimeSpan.FromMinutes(10);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await index.Ask<CollectionAdded>(new AddCollection(info.Hash), timeout, ct).ConfigureAwait(false);
        var load = Stopwatch.StartNew();
        var loaded = await index.Ask<CollectionLoaded>(new LoadCollection(info.Hash), timeout, ct).ConfigureAwait(false);
        load.Stop();
        long after = GC.GetTotalMemory(forceFullCollection: true);

        var lookups = new Samples(names.Count);
        foreach (var name in names)
        {
            long t0 = Stopwatch.GetTimestamp();
            var result = await index.Ask<LookupResult>(new Lookup(name), timeout, ct).ConfigureAwait(false);
            lookups.Add(Stopwatch.GetElapsedTime(t0), 0, 0);
            if (result.Links.Count != 1)
                throw new InvalidOperationException($"bench collection: the index found {result.Links.Count} links for {Encoding.UTF8.GetString(name)}");
        }
        var prefixes = new Samples(names.Count);
        foreach (var name in names)
        {
            long t0 = Stopwatch.GetTimestamp();
            await index.Ask<PrefixQueryResult>(new PrefixQuery(DirectoryOf(name), PrefixLimit), timeout, ct).ConfigureAwait(false);
            prefixes.Add(Stopwatch.GetElapsedTime(t0), 0, 0);
        }
        Console.WriteLine($"  index actor: load {loaded.LinkCount:N0} links in {load.Elapsed.TotalSeconds:F2} s, managed memory +{(after - before) / 1048576.0:N1} MiB ({(double)(after - before) / Math.Max(1, loaded.LinkCount):F0} B/name)");
        lookups.Print("index actor Lookup (ask round trip)", withBytes: false);
        prefixes.Print($"index actor PrefixQuery (limit {PrefixLimit}, ask round trip)", withBytes: false);
        await system.Terminate().ConfigureAwait(false);
    }

    private static byte[] DirectoryOf(byte[] name)
    {
        int slash = name.AsSpan().LastIndexOf((byte)'/');
        return slash < 0 ? name.AsSpan(0, Math.Min(1, name.Length)).ToArray() : name.AsSpan(0, slash + 1).ToArray();
    }

    private sealed class Samples(int capacity)
    {
        private readonly List<double> _micros = new(capacity);
        private long _bytes;

        public long MaxBytes { get; private set; }

        private long MaxReads { get; set; }

        public void Add(TimeSpan elapsed, long bytes, long reads)
        {
            _micros.Add(elapsed.TotalMicroseconds);
            _bytes += bytes;
            MaxBytes = Math.Max(MaxBytes, bytes);
            MaxReads = Math.Max(MaxReads, reads);
        }

        public void Print(string what, bool withBytes = true)
        {
            _micros.Sort();
            double median = _micros[_micros.Count / 2];
            double p99 = _micros[Math.Min(_micros.Count - 1, (int)(_micros.Count * 0.99))];
            Console.WriteLine($"  {what}");
            Console.Write($"      latency median {median,9:N1} µs   p99 {p99,9:N1} µs");
            if (withBytes)
                Console.Write($"   bytes read mean {(double)_bytes / _micros.Count,9:N0}   max {MaxBytes,7:N0} in ≤ {MaxReads} reads");
            Console.WriteLine();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static async Task<bool> RunToolAsync(string tool, string[] args, string? directory, CancellationToken ct, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        if (directory is not null)
            start.WorkingDirectory = directory;
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            await stdout.ConfigureAwait(false);
            string errors = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
                Console.Error.WriteLine($"bench collection: {tool} exited with {process.ExitCode}: {errors.Trim()}");
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Console.Error.WriteLine($"bench collection: cannot run {tool}: {ex.Message}");
            return false;
        }
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
}
