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

    /// <summary>Hands out its bytes at most <c>step</c> at a time and counts the reads.</summary>
    private sealed class TricklingStream(byte[] bytes, int step) : MemoryStream(bytes)
    {
        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, step)], cancellationToken);
        }
    }

    [Fact]
    public async Task SmallReadsAreServedFromOneLargeReadInOrder()
    {
        var bytes = Bytes(9, 1_000_000);
        var inner = new TricklingStream(bytes, 200_000);
        var transport = new CoalescingTransport(inner);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024 + 5];
        int n;
        while ((n = await transport.ReadAsync(buffer)) > 0)
            received.Write(buffer, 0, n);
        Assert.Equal(bytes, received.ToArray());
        Assert.Equal(6, inner.Reads); // five of 200,000 bytes, then the end, for 62 reads of the caller
    }

    [Fact]
    public async Task ReadsFromTheReadAheadNeverCrossATlsRecordEnd()
    {
        // TLS records (type 23, version 3.3, 16-bit length, body) of varying sizes, arriving in pieces that cut
        // records and headers anywhere; read as SslStream reads, with a buffer larger than a record.
        var random = new Random(11);
        var stream = new MemoryStream();
        var ends = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            var length = i % 7 == 0 ? random.Next(0, 40) : random.Next(1, 16_640);
            stream.Write([23, 3, 3, (byte)(length >> 8), (byte)length]);
            stream.Write(Bytes(i, length));
            ends.Add(stream.Length);
        }
        var bytes = stream.ToArray();
        var transport = new CoalescingTransport(new TricklingStream(bytes, 100_003));
        var received = new MemoryStream();
        var buffer = new byte[20_000];
        int n;
        while ((n = await transport.ReadAsync(buffer)) > 0)
        {
            var start = received.Length;
            received.Write(buffer, 0, n);
            // The record this read started in ends at or after the read's end.
            var recordEnd = ends.First(end => end > start);
            Assert.True(received.Length <= recordEnd, $"a read of {n} bytes at {start} crossed the record end at {recordEnd}");
        }
        Assert.Equal(bytes, received.ToArray());
    }

    [Fact]
    public async Task AReadAsLargeAsHalfTheBufferBypassesTheReadAhead()
    {
        var bytes = Bytes(10, 300_000);
        var inner = new TricklingStream(bytes, int.MaxValue);
        var transport = new CoalescingTransport(inner);
        var buffer = new byte[CoalescingTransport.BufferBytes / 2];
        Assert.Equal(buffer.Length, await transport.ReadAsync(buffer));
        Assert.Equal(bytes.AsSpan(0, buffer.Length).ToArray(), buffer);
        Assert.Equal(buffer.Length, await transport.ReadAsync(buffer));
        Assert.Equal(bytes.Length - 2 * buffer.Length, await transport.ReadAsync(buffer));
        Assert.Equal(bytes.AsSpan(2 * buffer.Length).ToArray(), buffer.AsSpan(0, bytes.Length - 2 * buffer.Length).ToArray());
        Assert.Equal(0, await transport.ReadAsync(buffer));
        Assert.Equal(4, inner.Reads); // each read went to the inner stream: nothing was held back in a read-ahead
    }
}
