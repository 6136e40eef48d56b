using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench bao</c>: the chunk-group study. For chunk logs 0…8 on one in-memory blob: outboard size, bytes on
/// the wire for a 1-chunk and a 1 MiB request, and outboard / encode / decode throughput next to plain BLAKE3
/// hashing (all threads and one thread) measured in the same run, interleaved, with ratio columns.
/// </summary>
internal static class BenchBaoCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "blob size (e.g. 1GiB, 256MiB)", DefaultValueFactory = _ => "1GiB" };
        var minLog = new Option<int>("--min-chunk-log") { Description = "smallest chunk log to measure", DefaultValueFactory = _ => 0 };
        var maxLog = new Option<int>("--max-chunk-log") { Description = "largest chunk log to measure", DefaultValueFactory = _ => 8 };
        var reps = new Option<int>("--repeat") { Description = "runs per measurement (the best is kept)", DefaultValueFactory = _ => 3 };
        var c = new Command("bao", "Chunk-group study: outboard size, wire overhead and outboard/encode/decode speed vs plain hashing for chunk logs 0…8.");
        c.Options.Add(size);
        c.Options.Add(minLog);
        c.Options.Add(maxLog);
        c.Options.Add(reps);
        var breakdown = new Option<bool>("--breakdown") { Description = "also print where the decode's CPU time goes (walk, copy, hashing, idle cores)" };
        c.Options.Add(breakdown);
        c.SetAction(pr =>
        {
            var bytes = ParseSize(pr.GetValue(size)!);
            Run(bytes, pr.GetValue(minLog), pr.GetValue(maxLog), Math.Max(1, pr.GetValue(reps)), pr.GetValue(breakdown), pr.InvocationConfiguration.Output);
            return 0;
        });
        return c;
    }

    private static void Run(long size, int minLog, int maxLog, int repeat, bool breakdown, TextWriter output)
    {
        var data = GC.AllocateUninitializedArray<byte>(checked((int)size));
        new Random(42).NextBytes(data);
        // One encoded buffer and one target, touched once up front and reused (fresh pages are slow here).
        var encoded = new byte[checked((int)(size + (size / 1024 + 1) * 64))];
        var target = new byte[size];
        Array.Fill(encoded, (byte)1);
        Array.Fill(target, (byte)1);
        var rootHash = Hasher.Hash(data, 0);
        output.WriteLine($"bench bao: {Gb(size)} GB in memory, {Environment.ProcessorCount} cores, best of {repeat}; hash-all = Hasher on all threads, hash-1 = one thread");
        output.WriteLine();
        output.WriteLine("   k  group  outboard  ob %data  1-chunk B  1MiB B   1MiB %ovh | hash-all hash-1  outboard  encode  decode dec-mem GB/s | ob/all  enc/1 enc/all dec/1 dec/all dmem/all | cpu: ob   enc   dec  dmem");
        var breakdowns = new List<string>();
        foreach (var k in Enumerable.Range(Math.Clamp(minLog, 0, 16), Math.Max(0, Math.Min(maxLog, 16) - Math.Clamp(minLog, 0, 16) + 1)))
        {
            var bs = BlockSize.FromChunkLog(k);
            var tree = new BaoTree((ulong)size, bs);
            var oneChunk = ResponseWalk.EncodedLength(tree, ChunkRanges.Chunk(tree.Chunks.Value / 2 + 3));
            var mibStart = tree.Chunks.Value / 3 + 5;
            var oneMib = ResponseWalk.EncodedLength(tree, ChunkRanges.Range(mibStart, mibStart + 1024));
            double hashAll = 0, hashOne = 0, ob = 0, enc = 0, dec = 0, decMem = 0;
            var ratios = new List<double[]>();
            var cpu = new[] { double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue };
            PreOrderOutboard? outboard = null;
            var encodedLength = 0L;
            for (var r = 0; r < repeat; r++)
            {
                var all = Measure(size, () => Check(Hasher.Hash(data, 0), rootHash));
                var one = Measure(size, () => Check(Hasher.Hash(data, 1), rootHash), cpu, 0);
                var o = Measure(size, () => outboard = PreOrderOutboard.Create(data, bs), cpu, 1);
                Check(outboard!.Root, rootHash);
                var e = Measure(size, cpu, 2, () =>
                {
                    var stream = new MemoryStream(encoded, true);
                    using var encoder = new RangeEncoder(data, outboard, ChunkRanges.All);
                    encoder.WriteTo(stream);
                    encodedLength = stream.Position;
                });
                var d = Measure(size, cpu, 3, () =>
                {
                    using var decoder = new ResponseDecoder(rootHash, tree, ChunkRanges.All, new MemoryStream(encoded, 0, (int)encodedLength, false));
                    decoder.DecodeIntoMemory(target);
                });
                if (r == 0 && !target.AsSpan().SequenceEqual(data))
                    throw new InvalidOperationException($"chunk log {k}: data decoded from the stream differs");
                if (r == 0)
                    Array.Fill(target, (byte)1);
                var m = Measure(size, cpu, 4, () =>
                {
                    // The same encoding from memory: the verifying threads move each leaf to the target.
                    using var decoder = new ResponseDecoder(rootHash, tree, ChunkRanges.All, encoded.AsMemory(0, (int)encodedLength));
                    decoder.DecodeIntoMemory(target);
                });
                (hashAll, hashOne, ob, enc, dec, decMem) = (Math.Max(hashAll, all), Math.Max(hashOne, one), Math.Max(ob, o), Math.Max(enc, e), Math.Max(dec, d), Math.Max(decMem, m));
                ratios.Add([o / all, e / one, e / all, d / one, d / all, m / all]);
            }
            // Ratios per run (each operation next to its anchor in time), then the median across runs.
            var median = Enumerable.Range(0, 6).Select(i => ratios.Select(x => x[i]).Order().ElementAt(ratios.Count / 2)).ToArray();
            if (!target.AsSpan().SequenceEqual(data))
                throw new InvalidOperationException($"chunk log {k}: decoded data differs");
            if (breakdown)
                breakdowns.Add(Breakdown(k, tree, data, encoded, encodedLength, target, rootHash, repeat));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{k,4} {bs.Bytes / 1024,4}K {Human(tree.OutboardSize),9} {100.0 * tree.OutboardSize / size,8:0.000}% {oneChunk,9} {oneMib,8} {100.0 * (oneMib - 1048576) / 1048576,8:0.00}% | {hashAll,8:0.00} {hashOne,6:0.00} {ob,9:0.00} {enc,7:0.00} {dec,7:0.00} {decMem,7:0.00}      | {median[0],6:0.00} {median[1],6:0.00} {median[2],7:0.00} {median[3],5:0.00} {median[4],6:0.00} {median[5],8:0.00} |     {cpu[0] / cpu[1],4:0.00}  {cpu[0] / cpu[2],4:0.00}  {cpu[0] / cpu[3],4:0.00}  {cpu[0] / cpu[4],4:0.00}"));
        }
        foreach (var line in breakdowns)
            output.WriteLine(line);
        output.WriteLine();
        output.WriteLine("GB/s: best run; ratios: median over runs of the ratio within each run (operation and anchor measured back to back).");
        output.WriteLine("1-chunk B / 1MiB B: bytes on the wire (pairs + data, no size header) for one chunk / 1024 chunks in mid-blob.");
        output.WriteLine("ob/all: outboard creation vs hashing on all threads (all three parallel); enc/1, enc/all: encode vs one-thread / all-thread hashing;");
        output.WriteLine("cpu: CPU time (all threads) of one-thread hashing divided by that of the operation: 1.00 = the same work as plain hashing.");
        output.WriteLine("dec/1, dec/all: verified decode from a stream into a buffer (leaves verified in parallel batches) vs one-thread / all-thread hashing;");
        output.WriteLine("dmem/all: the same decode from the encoding in memory (each leaf moved to the target by the thread that verifies it) vs all-thread hashing.");
    }

    // Where the decode's CPU time goes, in ms of CPU per GiB (least of the runs): the walk alone, the walk
    // with every item read from the stream (leaves straight into the target: the decode's one copy), one-thread
    // hashing, the groups' CVs alone, three ways of copying and hashing (the fused kernel from RAM to RAM; a
    // 256 KiB unit copied, then hashed from the cache, as the decoder does; a unit read into a cache-sized staging
    // buffer and stored to the target by the fused kernel), the whole decode, and the core time the decode left
    // unused (wall time × cores − CPU time).
    private static string Breakdown(int k, BaoTree tree, byte[] data, byte[] encoded, long encodedLength, byte[] target, Hash root, int repeat)
    {
        var cpu = Enumerable.Repeat(double.MaxValue, 8).ToArray();
        var idle = double.MaxValue;
        var groupBytes = (int)tree.BlockSize.Bytes;
        var perRun = Math.Max(1, (1 << 20) / groupBytes);
        var whole = data.Length / groupBytes;
        for (var r = 0; r < repeat; r++)
        {
            Measure(data.Length, () =>
            {
                var walk = new ResponseWalk(tree, ChunkRanges.All);
                while (walk.TryNext(out _))
                {
                }
            }, cpu, 0);
            Measure(data.Length, () =>
            {
                var walk = new ResponseWalk(tree, ChunkRanges.All);
                var stream = new MemoryStream(encoded, 0, (int)encodedLength, false);
                Span<byte> pair = stackalloc byte[64];
                while (walk.TryNext(out var item))
                    stream.ReadExactly(item.Kind == BaoChunkKind.Parent ? pair : target.AsSpan((int)item.Offset, item.Size));
            }, cpu, 1);
            Measure(data.Length, () => Check(Hasher.Hash(data, 1), root), cpu, 2);
            Measure(data.Length, () =>
            {
                // The groups' CVs alone, 1 MiB runs of whole groups per call (as the decoder verifies them), one thread.
                var cvs = new Hash[perRun];
                for (var g = 0; g < whole; g += perRun)
                {
                    var n = Math.Min(perRun, whole - g);
                    Subtree.HashSubtrees((ulong)g << k, data.AsSpan(g * groupBytes, n * groupBytes), k, cvs.AsSpan(0, n));
                }
            }, cpu, 4);
            Measure(data.Length, () =>
            {
                // The same CVs with the fused kernel copying the data to the target while it hashes (RAM to RAM).
                var cvs = new Hash[perRun];
                for (var g = 0; g < whole; g += perRun)
                {
                    var n = Math.Min(perRun, whole - g);
                    Subtree.HashSubtreesCopy((ulong)g << k, data.AsSpan(g * groupBytes, n * groupBytes), target.AsSpan(g * groupBytes, n * groupBytes), k, cvs.AsSpan(0, n));
                }
            }, cpu, 5);
            Measure(data.Length, () =>
            {
                // What the decoder from a stream does per unit: copy 256 KiB to the target, then hash it from the cache.
                var unit = Math.Max(256 << 10, groupBytes);
                var cvs = new Hash[Math.Max(1, unit / groupBytes)];
                for (var g = 0; g < whole; g += cvs.Length)
                {
                    var n = Math.Min(cvs.Length, whole - g);
                    var bytes = target.AsSpan(g * groupBytes, n * groupBytes);
                    data.AsSpan(g * groupBytes, n * groupBytes).CopyTo(bytes);
                    Subtree.HashSubtrees((ulong)g << k, bytes, k, cvs.AsSpan(0, n));
                }
            }, cpu, 7);
            Measure(data.Length, () =>
            {
                // Staged: each 256 KiB of the data read (copied) into a cache-sized buffer, then hashed from it by the
                // fused kernel, which stores it to the target: what a decoder from a stream can do.
                var staging = new byte[Math.Max(256 << 10, groupBytes)];
                var cvs = new Hash[Math.Max(1, staging.Length / groupBytes)];
                var stream = new MemoryStream(data, false);
                for (var g = 0; g < whole; g += cvs.Length)
                {
                    var n = Math.Min(cvs.Length, whole - g);
                    var bytes = staging.AsSpan(0, n * groupBytes);
                    stream.ReadExactly(bytes);
                    Subtree.HashSubtreesCopy((ulong)g << k, bytes, target.AsSpan(g * groupBytes, n * groupBytes), k, cvs.AsSpan(0, n));
                }
            }, cpu, 6);
            var before = cpu[3];
            var wall = Stopwatch.StartNew();
            var used = Process.GetCurrentProcess().TotalProcessorTime;
            using (var decoder = new ResponseDecoder(root, tree, ChunkRanges.All, new MemoryStream(encoded, 0, (int)encodedLength, false)))
                decoder.DecodeIntoMemory(target);
            var spent = (Process.GetCurrentProcess().TotalProcessorTime - used).TotalSeconds;
            cpu[3] = Math.Min(before, spent);
            idle = Math.Min(idle, wall.Elapsed.TotalSeconds * Environment.ProcessorCount - spent);
        }
        var perGiB = (1L << 30) * 1000.0 / data.Length;
        return string.Create(CultureInfo.InvariantCulture,
            $"decode CPU ms/GiB k={k}: walk {cpu[0] * perGiB:0} | walk+read (copy) {cpu[1] * perGiB:0} | hash-1 {cpu[2] * perGiB:0} | group CVs {cpu[4] * perGiB:0} | fused CVs+copy {cpu[5] * perGiB:0} | unit copy, CVs from cache {cpu[7] * perGiB:0} | staged+fused {cpu[6] * perGiB:0} | decode {cpu[3] * perGiB:0} (= hash + {(cpu[3] - cpu[2]) * perGiB:0}) | idle core time {idle * perGiB:0}");
    }

    private static void Check(Hash got, Hash want)
    {
        if (got != want)
            throw new InvalidOperationException($"hash {got} differs from {want}");
    }

    private static double Measure(long bytes, Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return bytes / sw.Elapsed.TotalSeconds / 1e9;
    }

    // Also keeps the least CPU time (all threads of the process) the action took: robust on a busy machine.
    private static double Measure(long bytes, Action action, double[] cpu, int slot)
    {
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var rate = Measure(bytes, action);
        cpu[slot] = Math.Min(cpu[slot], (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds);
        return rate;
    }

    private static double Measure(long bytes, double[] cpu, int slot, Action action) => Measure(bytes, action, cpu, slot);

    private static string Gb(long bytes) => (bytes / 1e9).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Human(ulong bytes) => bytes switch
    {
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0}MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0}KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes}B"),
    };

    internal static long ParseSize(string text)
    {
        var t = text.Trim();
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1) };
        foreach (var (suffix, factor) in units)
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                return (long)(v * factor);
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"--size '{text}': expected a number with an optional unit (B, KiB, MiB, GiB)");
    }
}
