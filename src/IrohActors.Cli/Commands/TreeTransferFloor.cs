using System.Diagnostics;
using IrohActors.Blake3;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// The floor of <c>bench transfer --kernel</c> (b): the least time any content-addressed, verified TLS transfer of the
/// tree can take here, measured in the same run as the node and tar over nc. Before a ticket exists the sender must read
/// and hash every file once (the import, on every core). After that, moving the bytes and creating the files is what
/// tar over nc does (its wall time and CPU in the same round); on top of it come what TLS costs over plain TCP for the
/// tree's bytes (a bare TLS stream of the node's kind and settings against a plain socket) and BLAKE3 of every file on each side
/// (the provider validates what it sends, the getter verifies what it receives). Spread perfectly over the cores after
/// the import, never faster than tar alone, that is the floor. It leaves out everything a design may choose: the store's
/// records, the protocol's framing, the collection, directories.
/// </summary>
internal static class TreeTransferFloor
{
    /// <summary>One measurement of the floor's own parts, in seconds.</summary>
    /// <param name="ImportWall">Reading and hashing every file once, on every core.</param>
    /// <param name="ReadCpu">CPU of those reads (open, read, close).</param>
    /// <param name="HashCpu">CPU of those hashes: BLAKE3 of every file once, one side's share.</param>
    /// <param name="TlsCpu">CPU of the tree's bytes through a bare TLS stream of the node's kind (both ends).</param>
    /// <param name="TcpCpu">CPU of the same bytes over plain TCP (both ends).</param>
    internal readonly record struct Floor(double ImportWall, double ReadCpu, double HashCpu, double TlsCpu, double TcpCpu)
    {
        /// <summary>What TLS adds to a transfer that tar over nc already pays the TCP part of.</summary>
        public double TlsExtraCpu => Math.Max(0, TlsCpu - TcpCpu);

        /// <summary>CPU of the floor beside tar over nc's <paramref name="tarCpu"/>: the import, TLS's extra and a hash on each side.</summary>
        public double Cpu(double tarCpu) => ReadCpu + HashCpu + tarCpu + TlsExtraCpu + 2 * HashCpu;

        /// <summary>The least wall time next to a tar over nc of <paramref name="tarWall"/> and <paramref name="tarCpu"/> on <paramref name="cores"/> cores.</summary>
        public double Wall(double tarWall, double tarCpu, int cores) => ImportWall + Math.Max(tarWall, (tarCpu + TlsExtraCpu + 2 * HashCpu) / cores);
    }

    /// <summary>The median of each part over several measurements.</summary>
    public static Floor Median(IReadOnlyList<Floor> floors) => new(
        Medians.Of(floors.Select(f => f.ImportWall)), Medians.Of(floors.Select(f => f.ReadCpu)), Medians.Of(floors.Select(f => f.HashCpu)),
        Medians.Of(floors.Select(f => f.TlsCpu)), Medians.Of(floors.Select(f => f.TcpCpu)));

    /// <summary>Measures the parts once over <paramref name="files"/>.</summary>
    public static async Task<Floor> MeasureAsync(IReadOnlyList<string> files, NodeCertificate server, NodeCertificate client, CancellationToken ct)
    {
        var (wall, read, hash, bytes) = ReadEveryFile(files, hash: true, ct);
        var payload = new byte[256 * 1024];
        Random.Shared.NextBytes(payload);
        // The TLS the node runs: OpenSSL directly where it loads (connections with their own thread), else SslStream.
        var tlsCpu = new TransportOptions().UsesOpenSsl
            ? (await Task.Factory.StartNew(() => BenchTlsCommand.RawOpenSsl(server, client, payload, bytes), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).Cpu
            : (await BenchTlsCommand.RawAsync(server, client, payload, bytes, gather: true, ct)).Cpu;
        var (_, tcpCpu) = await BenchTlsCommand.PlainAsync(payload, bytes, ct);
        return new Floor(wall, read, hash, tlsCpu, tcpCpu);
    }

    /// <summary>
    /// Every file read whole (and hashed, with <paramref name="hash"/>) on as many threads as the store's batch import
    /// may grow to (several per core: a cold read waits for the device); the wall time, the threads' CPU for reading and
    /// for hashing, and the bytes. Without hashing it brings the tree into the page cache.
    /// </summary>
    public static (double Wall, double Read, double Hash, long Bytes) ReadEveryFile(IReadOnlyList<string> files, bool hash, CancellationToken ct)
    {
        var next = -1;
        double read = 0, hashing = 0;
        long bytes = 0;
        var gate = new object();
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, new StoreOptions().EffectiveImportConcurrency).Select(_ => new Thread(() =>
        {
            var buffer = new byte[1 << 20];
            double myRead = 0, myHash = 0;
            long myBytes = 0;
            int i;
            while (!ct.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < files.Count)
            {
                var before = CpuClock.Thread();
                int length;
                using (var handle = File.OpenHandle(files[i]))
                {
                    var size = RandomAccess.GetLength(handle);
                    if (size > buffer.Length)
                        buffer = new byte[size];
                    length = 0;
                    int n;
                    while (length < size && (n = RandomAccess.Read(handle, buffer.AsSpan(length, (int)size - length), length)) > 0)
                        length += n;
                }
                var between = CpuClock.Thread();
                if (hash)
                    Hasher.Hash(buffer.AsSpan(0, length));
                var after = CpuClock.Thread();
                myRead += between - before;
                myHash += after - between;
                myBytes += length;
            }
            lock (gate)
            {
                read += myRead;
                hashing += myHash;
                bytes += myBytes;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        ct.ThrowIfCancellationRequested();
        return (clock.Elapsed.TotalSeconds, read, hashing, bytes);
    }
}
