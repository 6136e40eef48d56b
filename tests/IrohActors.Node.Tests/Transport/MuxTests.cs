using System.Buffers.Binary;
using System.Security.Cryptography;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

public class MuxTests
{
    /// <summary>Request header "source": u32 seed, u32 length; the service answers with Payload(seed, length).</summary>
    private static byte[] SourceRequest(int seed, int length)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, seed);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), length);
        return header;
    }

    private static async Task Source(MuxStream stream, Action<MuxStream, long>? progress = null, Action<MuxStream, Exception>? failed = null)
    {
        var seed = BinaryPrimitives.ReadInt32BigEndian(stream.RequestHeader.Span);
        var length = BinaryPrimitives.ReadInt32BigEndian(stream.RequestHeader.Span[4..]);
        var payload = NodePair.Payload(seed, length);
        const int slice = 32 * 1024;
        try
        {
            for (var offset = 0; offset < length; offset += slice)
            {
                var n = Math.Min(slice, length - offset);
                await stream.WriteAsync(payload.AsMemory(offset, n));
                progress?.Invoke(stream, offset + n);
            }
            await stream.CompleteWritesAsync();
        }
        catch (Exception e)
        {
            failed?.Invoke(stream, e);
            throw;
        }
    }

    /// <summary>Sends <paramref name="payload"/> on a new stream to the echo service while reading the echo back, and checks it.</summary>
    private static async Task EchoAsync(NodeConnection client, int i, byte[] payload, int maxSlice, int readBuffer, bool defer = false, bool inline = false)
    {
        await using var stream = await client.OpenStreamAsync(new byte[] { (byte)i });
        stream.InlineReadContinuations = inline;
        var writer = Task.Run(() => WriteInRandomSlicesAsync(stream, payload, i, maxSlice, defer));
        var (hash, length) = await NodePair.ReadAllHashedAsync(stream, bufferSize: readBuffer);
        await writer;
        Assert.Equal(payload.Length, length);
        Assert.Equal(SHA256.HashData(payload), hash);
    }

    /// <summary>Writes <paramref name="payload"/> in slices of 1 to <paramref name="maxSlice"/> bytes (uneven, so frames of streams interleave), then ends the stream.</summary>
    private static async Task WriteInRandomSlicesAsync(MuxStream stream, byte[] payload, int seed, int maxSlice, bool defer = false)
    {
        var random = new Random(seed);
        for (var offset = 0; offset < payload.Length;)
        {
            var n = Math.Min(random.Next(1, maxSlice), payload.Length - offset);
            await stream.WriteAsync(payload.AsMemory(offset, n), deferFlush: defer);
            offset += n;
        }
        await stream.CompleteWritesAsync();
    }

    [Fact]
    public async Task FiftyConcurrentStreamsWithInterleavedDataArriveIntact()
    {
        await using var pair = NodePair.Start(NodePair.Echo);
        await using var client = await pair.DialAsync();
        var tasks = Enumerable.Range(0, 50).Select(async i =>
        {
            var payload = NodePair.Payload(i, 100_000 + i * 7919);
            await EchoAsync(client, i, payload, 40_000, 1000 + i * 100);
        }).ToArray();
        await Task.WhenAll(tasks).WaitAsync(NodePair.Generous);
        Assert.True(client.BytesSent > 50 * 100_000);
        Assert.True(client.BytesReceived > 50 * 100_000);
    }

    [Fact]
    public async Task DeferringWritersAndInlineReadersAmongOrdinaryStreamsArriveIntact()
    {
        // Half the streams defer flushing (their writers send the batches they fill, taking the others' frames along);
        // a third of the readers continue on the read loop. Every stream's bytes must arrive whole and in order.
        await using var pair = NodePair.Start(NodePair.Echo);
        await using var client = await pair.DialAsync();
        var tasks = Enumerable.Range(0, 12).Select(async i =>
        {
            var payload = NodePair.Payload(200 + i, 700_000 + i * 13_001);
            await EchoAsync(client, i, payload, 20_000, 256 * 1024, defer: i % 2 == 0, inline: i % 3 == 0);
        }).ToArray();
        await Task.WhenAll(tasks).WaitAsync(NodePair.Generous);
    }

    [Fact]
    public async Task TinyWritesOfConcurrentStreamsMergedIntoFramesArriveIntact()
    {
        // Consecutive writes of one stream share a DATA frame (its header is rewritten as it grows); writes of
        // other streams in between must start new frames. Items of 1 to 200 bytes, like a provider's parents.
        await using var pair = NodePair.Start(NodePair.Echo);
        await using var client = await pair.DialAsync();
        var tasks = Enumerable.Range(0, 4).Select(async i =>
        {
            var payload = NodePair.Payload(100 + i, 300_000 + i * 4099);
            await EchoAsync(client, i, payload, 200, 64 * 1024);
        }).ToArray();
        await Task.WhenAll(tasks).WaitAsync(NodePair.Generous);
        // Merged: far fewer frame headers than writes (about 2,700 writes per stream, 9 header bytes each).
        Assert.True(client.BytesSent < 4 * 320_000, $"sent {client.BytesSent} bytes");
    }

    [Fact]
    public async Task CancellingOneStreamLeavesTheOthersIntact()
    {
        var serverFailures = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = NodePair.Start(s => Source(s, failed: (_, e) => serverFailures.TrySetResult(e)));
        await using var client = await pair.DialAsync();
        const int length = 8 << 20;
        // The stream to cancel is longer than all the receive window could ever let in before the reset (the window grows
        // as the application reads): otherwise its whole payload and END may arrive first, and a finished stream has
        // nothing to reset.
        var cancelledLength = 2 * new TransportOptions().MaxStreamReceiveWindow;
        var streams = new MuxStream[5];
        for (var i = 0; i < streams.Length; i++)
            streams[i] = await client.OpenStreamAsync(SourceRequest(i, i == 2 ? cancelledLength : length));

        // Read part of stream 2, then cancel it.
        var partial = new byte[1 << 20];
        var got = 0;
        while (got < partial.Length)
            got += await streams[2].ReadAsync(partial.AsMemory(got)).AsTask().WaitAsync(NodePair.Generous);
        Assert.Equal(NodePair.Payload(2, cancelledLength).AsSpan(0, partial.Length).ToArray(), partial);
        streams[2].Reset(StreamErrorCode.Cancelled);
        await Assert.ThrowsAsync<StreamResetException>(() => streams[2].ReadAsync(new byte[1]).AsTask());

        var others = new[] { 0, 1, 3, 4 }.Select(async i =>
        {
            var (hash, total) = await NodePair.ReadAllHashedAsync(streams[i]);
            Assert.Equal(length, total);
            Assert.Equal(SHA256.HashData(NodePair.Payload(i, length)), hash);
        });
        await Task.WhenAll(others).WaitAsync(NodePair.Generous);

        var serverError = await serverFailures.Task.WaitAsync(NodePair.Generous);
        var reset = Assert.IsType<StreamResetException>(serverError);
        Assert.True(reset.ByPeer);
        Assert.Equal(StreamErrorCode.Cancelled, reset.Code);
        Assert.Equal(streams[2].Id, reset.StreamId);
        foreach (var s in streams)
            await s.DisposeAsync();
        // The connection is still usable.
        await using var again = await client.OpenStreamAsync(SourceRequest(9, 1000));
        Assert.Equal(1000, (await NodePair.ReadAllHashedAsync(again)).Length);
    }

    [Fact]
    public async Task CancellingAReadResetsTheStreamForThePeer()
    {
        var serverFailures = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = NodePair.Start(async s =>
        {
            try
            {
                // Never answers; waits for the client's data, which never comes.
                var n = await s.ReadAsync(new byte[1]);
                serverFailures.TrySetResult(new InvalidOperationException($"read returned {n}"));
            }
            catch (Exception e)
            {
                serverFailures.TrySetResult(e);
            }
        });
        await using var client = await pair.DialAsync();
        await using var stream = await client.OpenStreamAsync(new byte[] { 1 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[1], cts.Token).AsTask());
        var error = await serverFailures.Task.WaitAsync(NodePair.Generous);
        Assert.Equal(StreamErrorCode.Cancelled, Assert.IsType<StreamResetException>(error).Code);
    }

    [Fact]
    public async Task BytesReadBeforeACancelledReadAreAnExactPrefix()
    {
        // Reads race with the read loop filling their buffers directly; whatever was returned before the
        // cancellation must be exactly the start of the payload, in order, with nothing lost in between.
        await using var pair = NodePair.Start(s => Source(s));
        await using var client = await pair.DialAsync();
        const int length = 4 << 20;
        var tasks = Enumerable.Range(0, 12).Select(async i =>
        {
            var expected = NodePair.Payload(100 + i, length);
            await using var stream = await client.OpenStreamAsync(SourceRequest(100 + i, length));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(5 + i * 7));
            var received = new MemoryStream();
            var buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0)
                    received.Write(buffer, 0, n);
            }
            catch (OperationCanceledException)
            {
            }
            var got = received.ToArray();
            Assert.True(got.AsSpan().SequenceEqual(expected.AsSpan(0, got.Length)), $"stream {i}: {got.Length} bytes are not a prefix");
        });
        await Task.WhenAll(tasks).WaitAsync(NodePair.Generous);
    }

    [Fact]
    public async Task ASlowReaderDoesNotStallAnotherStream()
    {
        const int window = 64 * 1024;
        var written = new System.Collections.Concurrent.ConcurrentDictionary<uint, long>();
        var options = new TransportOptions { StreamReceiveWindow = window };
        await using var pair = NodePair.Start(s => Source(s, progress: (st, n) => written[st.Id] = n), options, options);
        await using var client = await pair.DialAsync();
        const int slowLength = 16 << 20;
        await using var slow = await client.OpenStreamAsync(SourceRequest(1, slowLength));
        await using var fast = await client.OpenStreamAsync(SourceRequest(2, 4 << 20));
        var (hash, total) = await NodePair.ReadAllHashedAsync(fast).WaitAsync(NodePair.Generous);
        Assert.Equal(4 << 20, total);
        Assert.Equal(SHA256.HashData(NodePair.Payload(2, 4 << 20)), hash);

        // The unread stream's sender is held to the window: it has not pushed more than that.
        Assert.True(written.GetValueOrDefault(slow.Id) <= window, $"slow stream sender wrote {written.GetValueOrDefault(slow.Id)} bytes with a {window}-byte window");
        var (slowHash, slowTotal) = await NodePair.ReadAllHashedAsync(slow).WaitAsync(NodePair.Generous);
        Assert.Equal(slowLength, slowTotal);
        Assert.Equal(SHA256.HashData(NodePair.Payload(1, slowLength)), slowHash);
    }

    [Fact]
    public async Task AStreamWhoseReaderKeepsUpGrowsItsWindowAndGetsEverything()
    {
        var options = new TransportOptions { StreamReceiveWindow = 64 * 1024, MaxStreamReceiveWindow = 1 << 20 };
        await using var pair = NodePair.Start(s => Source(s), options, options);
        await using var client = await pair.DialAsync();
        const int length = 32 << 20;
        await using var stream = await client.OpenStreamAsync(SourceRequest(3, length));
        var (hash, total) = await NodePair.ReadAllHashedAsync(stream).WaitAsync(NodePair.Generous);
        Assert.Equal(length, total);
        Assert.Equal(SHA256.HashData(NodePair.Payload(3, length)), hash);
        // The 64 KiB window held the 256 KiB-frame writer back from the start; the reader never did.
        Assert.InRange(stream.ReceiveWindow, 128 * 1024, 1 << 20);
    }

    [Fact]
    public async Task AnOversizeRequestHeaderIsResetWithItsCode()
    {
        var serverOptions = new TransportOptions { MaxRequestHeaderSize = 1024 };
        var served = 0;
        await using var pair = NodePair.Start(s =>
        {
            Interlocked.Increment(ref served);
            return NodePair.Echo(s);
        }, serverOptions);
        await using var client = await pair.DialAsync();
        await using var big = await client.OpenStreamAsync(new byte[1025]);
        var e = await Assert.ThrowsAsync<StreamResetException>(() => big.ReadAsync(new byte[1]).AsTask().WaitAsync(NodePair.Generous));
        Assert.Equal(StreamErrorCode.RequestTooLarge, e.Code);
        Assert.True(e.ByPeer);

        // A header at the limit is served, on the same connection.
        await using var ok = await client.OpenStreamAsync(new byte[1024]);
        await ok.WriteAsync(new byte[] { 7 });
        await ok.CompleteWritesAsync();
        Assert.Equal(1, (await NodePair.ReadAllHashedAsync(ok).WaitAsync(NodePair.Generous)).Length);
        Assert.Equal(1, served);
    }

    [Fact]
    public async Task TooManyConcurrentStreamsWaitForASlot()
    {
        var options = new TransportOptions { MaxConcurrentStreams = 2 };
        await using var pair = NodePair.Start(NodePair.Echo, serverOptions: options);
        await using var client = await pair.DialAsync();
        var first = await client.OpenStreamAsync(new byte[1]);
        var second = await client.OpenStreamAsync(new byte[1]);
        var third = client.OpenStreamAsync(new byte[1]);
        await Task.Delay(200);
        Assert.False(third.IsCompleted);
        await first.CompleteWritesAsync();
        await NodePair.ReadAllHashedAsync(first).WaitAsync(NodePair.Generous);
        await first.DisposeAsync();
        await using var s3 = await third.WaitAsync(NodePair.Generous);
        await s3.WriteAsync(new byte[] { 1, 2, 3 });
        await s3.CompleteWritesAsync();
        Assert.Equal(3, (await NodePair.ReadAllHashedAsync(s3).WaitAsync(NodePair.Generous)).Length);
        await second.DisposeAsync();
    }

    [Fact]
    public async Task PeerClosingMidStreamFailsTheReader()
    {
        var serverSide = new TaskCompletionSource<NodeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = NodePair.Start(async s =>
        {
            await s.WriteAsync(new byte[100_000]);
            serverSide.TrySetResult(s.Connection);
            await Task.Delay(Timeout.Infinite, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
        });
        await using var client = await pair.DialAsync();
        await using var stream = await client.OpenStreamAsync(new byte[1]);
        var server = await serverSide.Task.WaitAsync(NodePair.Generous);
        server.Abort("test kills the transport");
        var e = await Assert.ThrowsAsync<ConnectionClosedException>(async () =>
        {
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous) > 0) { }
        });
        Assert.True(e.ByPeer);
        Assert.Equal(CloseCode.TransportClosed, e.Code);
    }

    [Fact]
    public async Task GracefulPeerCloseMidStreamCarriesTheGoAwayReason()
    {
        var serverSide = new TaskCompletionSource<NodeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = NodePair.Start(async s =>
        {
            await s.WriteAsync(new byte[10_000]);
            serverSide.TrySetResult(s.Connection);
            await Task.Delay(Timeout.Infinite, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
        });
        await using var client = await pair.DialAsync();
        await using var stream = await client.OpenStreamAsync(new byte[1]);
        var server = await serverSide.Task.WaitAsync(NodePair.Generous);
        await server.CloseAsync(CloseCode.Internal, "store failed");
        var e = await Assert.ThrowsAsync<ConnectionClosedException>(async () =>
        {
            var buffer = new byte[8192];
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous) > 0) { }
        });
        Assert.True(e.ByPeer);
        Assert.Equal(CloseCode.Internal, e.Code);
        Assert.Contains("store failed", e.Message);
    }

    [Fact]
    public async Task EitherSideCanOpenStreams()
    {
        await using var pair = NodePair.Start();
        await using var client = await pair.DialAsync();
        var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        var accept = client.AcceptStreamAsync();
        await using var fromServer = await server.OpenStreamAsync("hello"u8.ToArray());
        await fromServer.WriteAsync("payload"u8.ToArray());
        await fromServer.CompleteWritesAsync();
        await using var atClient = await accept.WaitAsync(NodePair.Generous);
        Assert.Equal("hello"u8.ToArray(), atClient.RequestHeader.ToArray());
        Assert.Equal(0u, atClient.Id % 2);
        var buffer = new byte[16];
        var n = await atClient.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous);
        Assert.Equal("payload"u8.ToArray(), buffer[..n]);
    }

    [Fact]
    public async Task ResponseWrittenBeforeDisposeIsFullyDeliveredEvenIfTheClientKeepsItsSideOpen()
    {
        // The service answers and disposes without waiting for the client's END: a stop-sending reset
        // must not cut the response the client has not read yet.
        await using var pair = NodePair.Start(async s =>
        {
            await s.WriteAsync(NodePair.Payload(5, 3 << 20));
            await s.CompleteWritesAsync();
        });
        await using var client = await pair.DialAsync();
        await using var stream = await client.OpenStreamAsync(new byte[1]);
        var (hash, total) = await NodePair.ReadAllHashedAsync(stream).WaitAsync(NodePair.Generous);
        Assert.Equal(3 << 20, total);
        Assert.Equal(SHA256.HashData(NodePair.Payload(5, 3 << 20)), hash);
        var write = await Assert.ThrowsAsync<StreamResetException>(async () =>
        {
            // The server told us to stop sending; writes fail once that arrives.
            for (var i = 0; i < 1000; i++)
            {
                await stream.WriteAsync(new byte[1024]);
                await Task.Delay(5);
            }
        });
        Assert.Equal(StreamErrorCode.NoError, write.Code);
    }
    [Fact]
    public async Task CompletingWritesAfterThePeerAskedUsToStopSendingIsNotAnError()
    {
        // A request/response exchange: the service answers and disposes before our END goes out, so its
        // stop-sending RESET(NoError) can arrive first. Our END then has nothing left to end; it must not throw.
        await using var pair = NodePair.Start(async s =>
        {
            await s.WriteAsync(NodePair.Payload(7, 4096));
            await s.CompleteWritesAsync();
        });
        await using var client = await pair.DialAsync();
        await using var stream = await client.OpenStreamAsync(new byte[1]);
        var (hash, total) = await NodePair.ReadAllHashedAsync(stream).WaitAsync(NodePair.Generous);
        Assert.Equal(4096, total);
        Assert.Equal(SHA256.HashData(NodePair.Payload(7, 4096)), hash);
        // Wait until the stop-sending reset has arrived (a write fails with it), then complete our side.
        var write = await Assert.ThrowsAsync<StreamResetException>(async () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                await stream.WriteAsync(new byte[1]);
                await Task.Delay(5);
            }
        });
        Assert.Equal(StreamErrorCode.NoError, write.Code);
        await stream.CompleteWritesAsync();
    }
}
