using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Cli.Commands;

/// <summary>
/// The floor of <c>bench transfer</c> (a): the work that any design of a verified TLS transfer has to do on this
/// machine, measured in the same run as the node and curl. It has three parts: the TLS transfer itself, bare, with the
/// node's TLS (OpenSSL called directly where the node uses it, else SslStream whose records leave in 256 KiB socket
/// writes; both ends, in this process); reading the blob from the page cache
/// (the provider); and BLAKE3 over it once on each side (the provider validates what it sends, the getter verifies
/// what it receives) at our single-thread speed, with b3sum's beside it. Spread perfectly over every core, with
/// nothing else run, the sum is the least wall time a design that does that work can reach here.
/// </summary>
internal static class TransferFloor
{
    private const int PieceBytes = 1 << 20;

    /// <summary>One measurement of the floor's parts, in seconds.</summary>
    internal readonly record struct Floor(double TlsWall, double TlsCpu, double ReadCpu, double HashCpu, double? B3sumCpu)
    {
        /// <summary>CPU seconds of the whole floor: the TLS transfer, one read, and one hash on each side.</summary>
        public double Cpu => TlsCpu + ReadCpu + 2 * HashCpu;

        /// <summary>The least wall time of the floor on <paramref name="cores"/> cores: its CPU spread evenly, and never less than the TLS transfer alone.</summary>
        public double Wall(int cores) => Math.Max(TlsWall, Cpu / cores);
    }

    /// <summary>The median of each part over several measurements (one outlier in a part does not move the others).</summary>
    public static Floor Median(IReadOnlyList<Floor> floors)
    {
        var b3sum = floors.Where(f => f.B3sumCpu is not null).Select(f => f.B3sumCpu!.Value).ToArray();
        return new Floor(Medians.Of(floors.Select(f => f.TlsWall)), Medians.Of(floors.Select(f => f.TlsCpu)), Medians.Of(floors.Select(f => f.ReadCpu)),
            Medians.Of(floors.Select(f => f.HashCpu)), b3sum.Length > 0 ? Medians.Of(b3sum) : null);
    }

    /// <summary>Measures the three parts once; the hash of <paramref name="file"/> must come out as <paramref name="expected"/>.</summary>
    public static async Task<Floor> MeasureAsync(string root, string file, Hash expected, NodeCertificate server, NodeCertificate client,
        CancellationToken ct)
    {
        var payload = new byte[256 * 1024];
        Random.Shared.NextBytes(payload);
        var size = new FileInfo(file).Length;
        // The TLS the node runs: OpenSSL directly where it loads (connections with their own thread), else SslStream.
        var (tlsWall, tlsCpu) = new TransportOptions().UsesOpenSsl
            ? await Task.Factory.StartNew(() => BenchTlsCommand.RawOpenSsl(server, client, payload, size), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : await BareSslStreamAsync();
        var (readCpu, hashCpu) = await Task.Factory.StartNew(() => ReadAndHash(file, expected), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        double? b3sum = null;
        if (AnchorTool.Find("b3sum") is { } exe)
            b3sum = BenchTransferCommand.TimeWithCpu(root, $"{exe} --num-threads 1 --no-names {file} > /dev/null").Cpu;
        return new Floor(tlsWall, tlsCpu, readCpu, hashCpu, b3sum);

        async Task<(double, double)> BareSslStreamAsync()
        {
            var (wall, cpu, _) = await BenchTlsCommand.RawAsync(server, client, payload, size, gather: true, ct);
            return (wall, cpu);
        }
    }

    /// <summary>Reads the file in 1 MiB pieces and hashes each on this one thread; returns the thread's CPU seconds for each.</summary>
    private static (double Read, double Hash) ReadAndHash(string file, Hash expected)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(PieceBytes, pinned: true);
        var hasher = Hasher.New();
        double read = 0, hash = 0;
        using (SafeFileHandle handle = File.OpenHandle(file))
        {
            long offset = 0;
            while (true)
            {
                var before = CpuClock.Thread();
                var n = RandomAccess.Read(handle, buffer, offset);
                var between = CpuClock.Thread();
                if (n == 0)
                    break;
                hasher.Update(buffer.AsSpan(0, n));
                var after = CpuClock.Thread();
                read += between - before;
                hash += after - between;
                offset += n;
            }
        }
        var actual = hasher.Finalize();
        if (actual != expected)
            throw new InvalidOperationException($"the floor's hash of {file} is {actual}, the node's {expected}");
        return (read, hash);
    }
}
