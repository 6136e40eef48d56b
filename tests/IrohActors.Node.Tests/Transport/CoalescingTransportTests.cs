using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

public class CoalescingTransportTests
{
    /// <summary>Records each write it receives as one piece.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<int> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    private static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task WritesInsideABatchReachTheSocketAsFewLargeWritesInOrder()
    {
        var inner = new RecordingStream();
        var transport = new CoalescingTransport(inner);
        var records = Enumerable.Range(0, 40).Select(i => Bytes(i, 16 * 1024 + 22)).ToArray();
        transport.BeginBatch();
        foreach (var record in records)
            await transport.WriteAsync(record);
        Assert.True(inner.Writes.Count <= 40 * (16 * 1024 + 22) / CoalescingTransport.BufferBytes, $"{inner.Writes.Count} writes before the batch ended");
        await transport.EndBatchAsync();
        Assert.Equal(records.SelectMany(r => r).ToArray(), inner.ToArray());
        Assert.Equal(3, inner.Writes.Count); // 655 KiB in 256 KiB buffers
        Assert.All(inner.Writes, w => Assert.True(w <= CoalescingTransport.BufferBytes));
    }

    [Fact]
    public async Task WritesOutsideABatchGoStraightThrough()
    {
        var inner = new RecordingStream();
        var transport = new CoalescingTransport(inner);
        await transport.WriteAsync(Bytes(1, 100));
        await transport.WriteAsync(Bytes(2, 50));
        Assert.Equal([100, 50], inner.Writes);
    }

    [Fact]
    public async Task FlushSendsWhatABatchGatheredSoFarAndTheBatchGoesOn()
    {
        var inner = new RecordingStream();
        var transport = new CoalescingTransport(inner);
        var a = Bytes(1, 1000);
        var b = Bytes(2, 2000);
        var c = Bytes(3, 3000);
        transport.BeginBatch();
        await transport.WriteAsync(a);
        await transport.EndBatchAsync();
        Assert.Equal(a, inner.ToArray());
        transport.BeginBatch();
        await transport.WriteAsync(b);
        await transport.FlushAsync();
        Assert.Equal(a.Concat(b).ToArray(), inner.ToArray());
        await transport.WriteAsync(c);
        await transport.EndBatchAsync();
        Assert.Equal(a.Concat(b).Concat(c).ToArray(), inner.ToArray());
    }

    [Fact]
    public async Task AWriteLargerThanTheBufferIsSentWholeAfterWhatWasGathered()
    {
        var inner = new RecordingStream();
        var transport = new CoalescingTransport(inner);
        var small = Bytes(1, 10);
        var large = Bytes(2, CoalescingTransport.BufferBytes + 1);
        transport.BeginBatch();
        await transport.WriteAsync(small);
        await transport.WriteAsync(large);
        await transport.EndBatchAsync();
        Assert.Equal(small.Concat(large).ToArray(), inner.ToArray());
        Assert.Equal([10, CoalescingTransport.BufferBytes + 1], inner.Writes);
    }
}
