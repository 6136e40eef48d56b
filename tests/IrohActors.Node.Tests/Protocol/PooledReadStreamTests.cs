using System.Security.Cryptography;
using IrohActors.Node.Protocol;
using IrohActors.Node.Tests.Transport;

namespace IrohActors.Node.Tests.Protocol;

public sealed class PooledReadStreamTests
{
    /// <summary>A source that hands out at most a few bytes per read, like a network stream.</summary>
    private sealed class Trickle(byte[] data, int seed) : MemoryStream(data)
    {
        private readonly Random _random = new(seed);

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, _random.Next(1, 5000))]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, _random.Next(1, 5000))], cancellationToken);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public async Task Reads_of_any_size_return_the_source_bytes_in_order(int seed, bool async)
    {
        var data = new byte[300_000];
        new Random(seed).NextBytes(data);
        var random = new Random(seed + 100);
        using var stream = new PooledReadStream(new Trickle(data, seed), 4096);
        var copy = new MemoryStream();
        var chunk = new byte[20_000];
        while (true)
        {
            // Mixes reads smaller than the buffer (served from it) with larger ones (which bypass it).
            var want = random.Next(2) == 0 ? random.Next(1, 100) : random.Next(4096, chunk.Length);
            var n = async ? await stream.ReadAsync(chunk.AsMemory(0, want)) : stream.Read(chunk, 0, want);
            if (n == 0)
                break;
            Assert.InRange(n, 1, want);
            copy.Write(chunk, 0, n);
        }
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task After_dispose_reads_fail_and_the_inner_stream_stays_open()
    {
        var inner = new MemoryStream(new byte[10]);
        var stream = new PooledReadStream(inner, 4096);
        Assert.Equal(1, stream.Read(new byte[1], 0, 1));
        stream.Dispose();
        stream.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await stream.ReadExactlyAsync(new byte[1]));
        Assert.True(inner.CanRead);
    }

    [Fact]
    public async Task Over_a_mux_stream_queued_frames_are_adopted_and_read_in_order()
    {
        // The reader starts late, so the frames the mux received meanwhile are queued; the buffer then takes them over
        // whole (no copy) and hands them out in small reads, interleaved with frames read straight into it.
        var payload = NodePair.Payload(7, 5_000_000);
        await using var pair = NodePair.Start(async stream =>
        {
            for (var offset = 0; offset < payload.Length; offset += 100_000)
                await stream.WriteAsync(payload.AsMemory(offset, Math.Min(100_000, payload.Length - offset)));
            await stream.CompleteWritesAsync();
        });
        await using var client = await pair.DialAsync();
        await using var mux = await client.OpenStreamAsync(new byte[] { 1 });
        await mux.CompleteWritesAsync();
        await Task.Delay(300);
        using var stream = new PooledReadStream(mux, 256 * 1024);
        var copy = new MemoryStream();
        var chunk = new byte[16 * 1024 + 64];
        var random = new Random(3);
        int n;
        while ((n = await stream.ReadAsync(chunk.AsMemory(0, random.Next(1, chunk.Length)))) > 0)
        {
            copy.Write(chunk, 0, n);
            if (random.Next(50) == 0)
                await Task.Delay(5); // let frames queue again now and then
        }
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(copy.ToArray()));
    }
}
