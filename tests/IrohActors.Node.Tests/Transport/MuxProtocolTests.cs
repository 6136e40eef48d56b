using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

/// <summary>
/// A hand-written peer speaking raw mux frames over plain TCP (the mux does not depend on TLS), to check
/// how a <see cref="NodeConnection"/> answers protocol violations.
/// </summary>
public class MuxProtocolTests
{
    private sealed class RawPeer : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;

        private RawPeer(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public NodeConnection Connection { get; private set; } = null!;

        /// <summary>Connects a NodeConnection (as dialer) to a raw peer (as listener) and exchanges HELLOs.</summary>
        public static async Task<RawPeer> StartAsync(TransportOptions options, int peerWindow = 1 << 20)
        {
            using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listen.Listen(1);
            var ours = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await ours.ConnectAsync(listen.LocalEndPoint!);
            var peer = new RawPeer(await listen.AcceptAsync());
            using var a = SecretKey.Generate();
            using var b = SecretKey.Generate();
            var connection = new NodeConnection(new NetworkStream(ours, ownsSocket: false), ours, a.NodeId, b.NodeId,
                (IPEndPoint)ours.RemoteEndPoint!, isDialer: true, TlsCipherSuite.TLS_AES_128_GCM_SHA256, options);
            var hello = new byte[14];
            BinaryPrimitives.WriteInt32BigEndian(hello.AsSpan(2), peerWindow);
            BinaryPrimitives.WriteInt32BigEndian(hello.AsSpan(6), 1024);
            BinaryPrimitives.WriteInt32BigEndian(hello.AsSpan(10), 16);
            await peer.SendAsync(0, 0, hello);
            await connection.StartAsync(CancellationToken.None).WaitAsync(NodePair.Generous);
            peer.Connection = connection;
            var (type, _, _) = await peer.ReceiveAsync();
            Assert.Equal(0, type); // its HELLO
            return peer;
        }

        public async Task SendAsync(byte type, uint stream, ReadOnlyMemory<byte> payload)
        {
            var frame = new byte[9 + payload.Length];
            new FrameHeader((FrameType)type, stream, payload.Length).Write(frame);
            payload.Span.CopyTo(frame.AsSpan(9));
            await _stream.WriteAsync(frame);
        }

        public async Task<(byte Type, uint Stream, byte[] Payload)> ReceiveAsync()
        {
            var header = new byte[9];
            await _stream.ReadExactlyAsync(header).AsTask().WaitAsync(NodePair.Generous);
            var parsed = FrameHeader.Read(header);
            var payload = new byte[parsed.Length];
            await _stream.ReadExactlyAsync(payload).AsTask().WaitAsync(NodePair.Generous);
            return ((byte)parsed.Type, parsed.StreamId, payload);
        }

        /// <summary>Reads frames until one of <paramref name="type"/> arrives.</summary>
        public async Task<(uint Stream, byte[] Payload)> ExpectAsync(byte type)
        {
            while (true)
            {
                var (t, s, p) = await ReceiveAsync();
                if (t == type)
                    return (s, p);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Shutdown(SocketShutdown.Both);
            await _stream.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    private static readonly TransportOptions Options = new() { StreamReceiveWindow = 4096, KeepAliveInterval = TimeSpan.FromMinutes(1) };

    private static CloseCode GoAwayCode(byte[] payload) => (CloseCode)BinaryPrimitives.ReadUInt32BigEndian(payload);

    [Fact]
    public async Task OverrunningTheWindowIsAFlowControlError()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await peer.SendAsync(1, 2, new byte[] { 1 }); // OPEN stream 2 (even: the listener's)
        var accepted = await peer.Connection.AcceptStreamAsync().WaitAsync(NodePair.Generous);
        await peer.SendAsync(2, 2, new byte[4096]); // exactly the window: fine
        await peer.SendAsync(2, 2, new byte[1]);    // one byte over
        var (_, goAway) = await peer.ExpectAsync(8);
        Assert.Equal(CloseCode.FlowControlError, GoAwayCode(goAway));
        var closed = await peer.Connection.Completion.WaitAsync(NodePair.Generous);
        Assert.Equal(CloseCode.FlowControlError, closed.Code);
        Assert.False(closed.ByPeer);
        await Assert.ThrowsAsync<ConnectionClosedException>(async () =>
        {
            var buffer = new byte[8192];
            while (await accepted.ReadAsync(buffer) > 0) { }
        });
    }

    [Fact]
    public async Task ReadingReturnsCreditWithWindowFrames()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await peer.SendAsync(1, 2, new byte[] { 1 });
        var accepted = await peer.Connection.AcceptStreamAsync().WaitAsync(NodePair.Generous);
        await peer.SendAsync(2, 2, new byte[4096]);
        var buffer = new byte[4096];
        var read = 0;
        while (read < 4096)
            read += await accepted.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(NodePair.Generous);
        var (stream, increment) = await peer.ExpectAsync(5);
        Assert.Equal(2u, stream);
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32BigEndian(increment));
        // With the credit back, another full window is accepted.
        await peer.SendAsync(2, 2, new byte[4096]);
        await peer.SendAsync(3, 2, ReadOnlyMemory<byte>.Empty); // END
        read = 0;
        int n;
        while ((n = await accepted.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous)) > 0)
            read += n;
        Assert.Equal(4096, read);
    }

    [Fact]
    public async Task WritersStopAtThePeersWindow()
    {
        await using var peer = await RawPeer.StartAsync(Options, peerWindow: 1000);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var write = stream.WriteAsync(new byte[2500]).AsTask();
        var (openId, _) = await peer.ExpectAsync(1);
        var received = 0;
        while (received < 1000)
        {
            var (_, data) = await peer.ExpectAsync(2);
            received += data.Length;
        }
        Assert.Equal(1000, received);
        await Task.Delay(200);
        Assert.False(write.IsCompleted);
        var grant = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(grant, 1500);
        await peer.SendAsync(5, openId, grant);
        while (received < 2500)
        {
            var (_, data) = await peer.ExpectAsync(2);
            received += data.Length;
        }
        await write.WaitAsync(NodePair.Generous);
    }

    /// <summary>Reads WINDOW frames for <paramref name="stream"/> (skipping others) until they add up to <paramref name="total"/>.</summary>
    private static async Task ExpectCreditAsync(RawPeer peer, uint stream, long total)
    {
        long granted = 0;
        while (granted < total)
        {
            var (id, increment) = await peer.ExpectAsync(5);
            if (id == stream)
                granted += BinaryPrimitives.ReadUInt32BigEndian(increment);
        }
        Assert.Equal(total, granted);
    }

    /// <summary>The peer sends <paramref name="bytes"/> on a stream and the application reads them all.</summary>
    private static async Task SendAndReadAsync(RawPeer peer, MuxStream accepted, uint stream, int bytes)
    {
        for (var sent = 0; sent < bytes; sent += 4096)
            await peer.SendAsync(2, stream, new byte[Math.Min(4096, bytes - sent)]);
        var buffer = new byte[bytes];
        var read = 0;
        while (read < bytes)
            read += await accepted.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(NodePair.Generous);
    }

    /// <summary>The peer opens stream <paramref name="id"/>; returns it as the connection accepted it.</summary>
    private static async Task<MuxStream> OpenFromPeerAsync(RawPeer peer, uint id)
    {
        await peer.SendAsync(1, id, new byte[] { 1 });
        return await peer.Connection.AcceptStreamAsync().WaitAsync(NodePair.Generous);
    }

    /// <summary>The peer uses up <paramref name="bytes"/> of credit, all read and credited back, then says BLOCKED as if that credit had not reached it yet.</summary>
    private static async Task FillReadAndBlockAsync(RawPeer peer, MuxStream accepted, uint id, int bytes)
    {
        await SendAndReadAsync(peer, accepted, id, bytes);
        await ExpectCreditAsync(peer, id, bytes);
        await peer.SendAsync(9, id, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Sends a PING after whatever went before and returns the types of the frames that came back before its PONG.</summary>
    private static async Task<List<(byte Type, uint Stream)>> FramesBeforePongAsync(RawPeer peer)
    {
        var ping = new byte[] { 8, 7, 6, 5, 4, 3, 2, 1 };
        await peer.SendAsync(6, 0, ping);
        var frames = new List<(byte, uint)>();
        while (true)
        {
            var (type, stream, payload) = await peer.ReceiveAsync();
            if (type == 7 && payload.AsSpan().SequenceEqual(ping))
                return frames;
            frames.Add((type, stream));
        }
    }

    [Fact]
    public async Task ABlockedPeerWhoseDataWasReadGetsTheWindowDoubled()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        var accepted = await OpenFromPeerAsync(peer, 2);
        // The peer had used its whole window before the credit came back: it says so, and gets the window doubled.
        await FillReadAndBlockAsync(peer, accepted, 2, 4096);
        await ExpectCreditAsync(peer, 2, 4096);
        Assert.Equal(8192, accepted.ReceiveWindow);
        // The doubled window is real credit: 8192 bytes in a row are no overrun.
        await SendAndReadAsync(peer, accepted, 2, 8192);
        await peer.SendAsync(3, 2, ReadOnlyMemory<byte>.Empty);
        Assert.Equal(0, await accepted.ReadAsync(new byte[1]).AsTask().WaitAsync(NodePair.Generous));
        Assert.False(peer.Connection.Completion.IsCompleted);
    }

    [Fact]
    public async Task ABlockedPeerWhoseDataIsUnreadGetsNoMoreWindow()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        var accepted = await OpenFromPeerAsync(peer, 2);
        await peer.SendAsync(2, 2, new byte[4096]);
        await peer.SendAsync(9, 2, ReadOnlyMemory<byte>.Empty);
        // The reader is what holds the peer back, so nothing is granted: no WINDOW before the PONG.
        Assert.DoesNotContain(await FramesBeforePongAsync(peer), f => f.Type == 5);
        Assert.Equal(4096, accepted.ReceiveWindow);
        await peer.SendAsync(2, 2, new byte[1]);
        var (_, goAway) = await peer.ExpectAsync(8);
        Assert.Equal(CloseCode.FlowControlError, GoAwayCode(goAway));
    }

    [Fact]
    public async Task WindowsGrowNoFurtherThanTheirMaximum()
    {
        await using var peer = await RawPeer.StartAsync(Options with { MaxStreamReceiveWindow = 8192 });
        var accepted = await OpenFromPeerAsync(peer, 2);
        await FillReadAndBlockAsync(peer, accepted, 2, 4096);
        await ExpectCreditAsync(peer, 2, 4096);
        await FillReadAndBlockAsync(peer, accepted, 2, 8192);
        Assert.DoesNotContain(await FramesBeforePongAsync(peer), f => f.Type == 5);
        Assert.Equal(8192, accepted.ReceiveWindow);
    }

    [Fact]
    public async Task WindowGrowthIsBoundedPerConnectionAndFreedWhenAStreamFinishes()
    {
        // Growth budget 6 KiB: the first stream grows by 4 KiB, then by the 2 KiB left; the second gets none until the first ends.
        await using var peer = await RawPeer.StartAsync(Options with { ReceiveWindowGrowthBudget = 6144 });
        var first = await OpenFromPeerAsync(peer, 2);
        await FillReadAndBlockAsync(peer, first, 2, 4096);
        await ExpectCreditAsync(peer, 2, 4096);
        await FillReadAndBlockAsync(peer, first, 2, 8192);
        await ExpectCreditAsync(peer, 2, 2048);
        Assert.Equal(10240, first.ReceiveWindow);

        var second = await OpenFromPeerAsync(peer, 4);
        await FillReadAndBlockAsync(peer, second, 4, 4096);
        Assert.DoesNotContain(await FramesBeforePongAsync(peer), f => f.Type == 5);
        Assert.Equal(4096, second.ReceiveWindow);

        // The first stream ends both ways: its 6 KiB of growth go back to the connection.
        await peer.SendAsync(3, 2, ReadOnlyMemory<byte>.Empty);
        Assert.Equal(0, await first.ReadAsync(new byte[1]).AsTask().WaitAsync(NodePair.Generous));
        await first.CompleteWritesAsync();
        await peer.SendAsync(9, 4, ReadOnlyMemory<byte>.Empty);
        await ExpectCreditAsync(peer, 4, 4096);
        Assert.Equal(8192, second.ReceiveWindow);
    }

    [Fact]
    public async Task AWriterOutOfCreditSaysBlockedOnce()
    {
        await using var peer = await RawPeer.StartAsync(Options, peerWindow: 1000);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var write = stream.WriteAsync(new byte[2500]).AsTask();
        var (openId, _) = await peer.ExpectAsync(1);
        var frames = new List<(byte Type, uint Stream)>();
        var received = 0;
        while (frames.Count(f => f.Type == 9) == 0)
        {
            var (type, id, payload) = await peer.ReceiveAsync();
            frames.Add((type, id));
            if (type == 2)
                received += payload.Length;
        }
        Assert.Equal(1000, received);
        Assert.Equal((9, openId), frames[^1]);
        var grant = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(grant, 1500);
        await peer.SendAsync(5, openId, grant);
        while (received < 2500)
        {
            var (type, id, payload) = await peer.ReceiveAsync();
            Assert.NotEqual(9, type);
            if (type == 2)
                received += payload.Length;
        }
        await write.WaitAsync(NodePair.Generous);
        // The credit matched what was left to send, so the writer was never held back again.
        Assert.DoesNotContain(await FramesBeforePongAsync(peer), f => f.Type == 9);
    }

    [Theory]
    [InlineData(1u, 1, "payload")]
    [InlineData(7u, 0, "never opened")]
    public async Task AMalformedBlockedIsAProtocolError(uint stream, int payloadLength, string reason)
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await using var opened = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        await peer.ExpectAsync(1);
        await peer.SendAsync(9, stream, new byte[payloadLength]);
        var (_, goAway) = await peer.ExpectAsync(8);
        Assert.Equal(CloseCode.ProtocolError, GoAwayCode(goAway));
        Assert.Contains(reason, System.Text.Encoding.UTF8.GetString(goAway.AsSpan(4)));
    }

    [Fact]
    public async Task DataAfterEndIsAProtocolError()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await peer.SendAsync(1, 2, new byte[] { 1 });
        await peer.SendAsync(3, 2, ReadOnlyMemory<byte>.Empty);
        await peer.SendAsync(2, 2, new byte[10]);
        var (_, goAway) = await peer.ExpectAsync(8);
        Assert.Equal(CloseCode.ProtocolError, GoAwayCode(goAway));
        Assert.Contains("DATA after END on stream 2", System.Text.Encoding.UTF8.GetString(goAway.AsSpan(4)));
    }

    [Fact]
    public async Task AnOpenWithTheWrongParityIsAProtocolError()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await peer.SendAsync(1, 3, new byte[] { 1 }); // odd ids are the dialer's
        var (_, goAway) = await peer.ExpectAsync(8);
        Assert.Equal(CloseCode.ProtocolError, GoAwayCode(goAway));
        Assert.Contains("OPEN with stream id 3", System.Text.Encoding.UTF8.GetString(goAway.AsSpan(4)));
    }

    [Fact]
    public async Task DataForAStreamNeverOpenedIsAProtocolError()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await peer.SendAsync(2, 40, new byte[10]);
        var (_, goAway) = await peer.ExpectAsync(8);
        Assert.Equal(CloseCode.ProtocolError, GoAwayCode(goAway));
        Assert.Contains("never opened", System.Text.Encoding.UTF8.GetString(goAway.AsSpan(4)));
    }

    [Fact]
    public async Task UnknownFrameTypesAreSkippedAndPingsAnswered()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await peer.SendAsync(0x7f, 0, new byte[100]);
        var ping = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        await peer.SendAsync(6, 0, ping);
        // The raw peer never answers the connection's own pings, so the first PONG is the answer to ours.
        var (_, pong) = await peer.ExpectAsync(7);
        Assert.Equal(ping, pong);
        Assert.False(peer.Connection.Completion.IsCompleted);
    }

    [Fact]
    public async Task ASilentPeerHitsTheKeepAliveTimeout()
    {
        var options = Options with { KeepAliveInterval = TimeSpan.FromMilliseconds(100), KeepAliveTimeout = TimeSpan.FromMilliseconds(500) };
        await using var peer = await RawPeer.StartAsync(options);
        var closed = await peer.Connection.Completion.WaitAsync(NodePair.Generous);
        Assert.Equal(CloseCode.KeepAliveTimeout, closed.Code);
    }

    [Fact]
    public async Task ANewStreamOverThePeersAnnouncedLimitIsRefused()
    {
        await using var peer = await RawPeer.StartAsync(Options with { MaxConcurrentStreams = 1 });
        await peer.SendAsync(1, 2, new byte[] { 1 });
        await peer.SendAsync(1, 4, new byte[] { 2 });
        var (stream, code) = await peer.ExpectAsync(4);
        Assert.Equal(4u, stream);
        Assert.Equal(StreamErrorCode.Refused, (StreamErrorCode)BinaryPrimitives.ReadUInt32BigEndian(code));
    }

    // ---- Deferred flushing (a provider's responses): the writer sends full batches itself; the rest waits for a flush.

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Reads DATA payloads of <paramref name="stream"/> (skipping other frames) until <paramref name="bytes"/> arrived.</summary>
    private static async Task<byte[]> ReceiveDataAsync(RawPeer peer, uint stream, int bytes)
    {
        var received = new MemoryStream();
        await ReceiveDataAsync(peer, stream, received, bytes);
        Assert.Equal(bytes, received.Length);
        return received.ToArray();
    }

    /// <summary>Appends whole DATA payloads of <paramref name="stream"/> to <paramref name="received"/> until it holds at least <paramref name="atLeast"/> bytes.</summary>
    private static async Task ReceiveDataAsync(RawPeer peer, uint stream, MemoryStream received, long atLeast)
    {
        while (received.Length < atLeast)
        {
            var (id, data) = await peer.ExpectAsync(2);
            Assert.Equal(stream, id);
            received.Write(data);
        }
    }

    [Fact]
    public async Task DeferredDataWaitsForAFlush()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var (id, _) = await peer.ExpectAsync(1);
        var data = Pattern(1000, 1);
        await stream.WriteAsync(data, deferFlush: true).AsTask().WaitAsync(NodePair.Generous);
        var next = peer.ReceiveAsync();
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(300)));
        stream.Flush();
        var (type, frameStream, payload) = await next.WaitAsync(NodePair.Generous);
        Assert.Equal((2, id), (type, frameStream));
        Assert.Equal(data, payload);
    }

    [Fact]
    public async Task ADeferringWriterSendsEveryFullBatchWithoutAFlush()
    {
        await using var peer = await RawPeer.StartAsync(Options, peerWindow: 4 << 20);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var (id, _) = await peer.ExpectAsync(1);
        var data = Pattern(3_000_000, 2);
        // Item-sized writes, as a provider's (64-byte parents, 16 KiB leaves).
        for (var at = 0; at < data.Length; at += 16_448)
            await stream.WriteAsync(data.AsMemory(at, Math.Min(16_448, data.Length - at)), deferFlush: true).AsTask().WaitAsync(NodePair.Generous);
        // Everything but the last, partly filled batch (at most a batch) left without a flush.
        var received = new MemoryStream();
        await ReceiveDataAsync(peer, id, received, data.Length - FrameWriter.BatchSize);
        Assert.Equal(data[..(int)received.Length], received.ToArray());
        stream.Flush();
        await ReceiveDataAsync(peer, id, received, data.Length);
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task DeferredDataLeavesBeforeTheStreamsEnd()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var (id, _) = await peer.ExpectAsync(1);
        var data = Pattern(5000, 3);
        await stream.WriteAsync(data, deferFlush: true);
        await stream.CompleteWritesAsync().AsTask().WaitAsync(NodePair.Generous);
        var (type, frameId, payload) = await peer.ReceiveAsync();
        Assert.Equal((2, id), (type, frameId));
        Assert.Equal(data, payload);
        (type, frameId, _) = await peer.ReceiveAsync();
        Assert.Equal((3, id), (type, frameId)); // END
    }

    [Fact]
    public async Task ADeferringWriterOutOfCreditFlushesWhatThePeerNeedsToGrantMore()
    {
        await using var peer = await RawPeer.StartAsync(Options, peerWindow: 1000);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var data = Pattern(2500, 4);
        var write = stream.WriteAsync(data, deferFlush: true).AsTask();
        var (id, _) = await peer.ExpectAsync(1);
        // Without the flush the first 1000 bytes would sit in the batch, and no credit would ever come back.
        Assert.Equal(data[..1000], await ReceiveDataAsync(peer, id, 1000));
        var grant = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(grant, 1500);
        await peer.SendAsync(5, id, grant);
        await write.WaitAsync(NodePair.Generous);
        stream.Flush();
        Assert.Equal(data[1000..], await ReceiveDataAsync(peer, id, 1500));
    }

    [Fact]
    public async Task AnotherStreamsFrameTakesDeferredDataAlongInOrder()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        await using var deferring = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        var (first, _) = await peer.ExpectAsync(1);
        await using var other = await peer.Connection.OpenStreamAsync(new byte[] { 8 });
        var (second, _) = await peer.ExpectAsync(1);
        var data = Pattern(3000, 5);
        await deferring.WriteAsync(data, deferFlush: true);
        await other.WriteAsync(new byte[] { 1, 2, 3 });
        var (type, id, payload) = await peer.ReceiveAsync();
        Assert.Equal((2, first), (type, id));
        Assert.Equal(data, payload);
        (type, id, payload) = await peer.ReceiveAsync();
        Assert.Equal((2, second), (type, id));
        Assert.Equal(new byte[] { 1, 2, 3 }, payload);
    }

    [Fact]
    public async Task ACancelledDeferringWriterWhoseOwnSendIsStuckGivesUpTheConnection()
    {
        // The peer grants a large window but reads nothing from TCP: the socket buffers fill and the writer's own send
        // of its batch blocks. Cancelled (a provider's stall watchdog), it must not stay there for as long as the peer
        // keeps the connection alive.
        await using var peer = await RawPeer.StartAsync(Options, peerWindow: 256 << 20);
        await using var stream = await peer.Connection.OpenStreamAsync(new byte[] { 9 });
        using var cancel = new CancellationTokenSource();
        var item = new byte[16_448];
        var write = Task.Run(async () =>
        {
            for (var i = 0; i < 16_000; i++)
                await stream.WriteAsync(item, deferFlush: true, cancel.Token);
        });
        await Task.Delay(1000);
        Assert.False(write.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(NodePair.Generous));
        var closed = await peer.Connection.Completion.WaitAsync(NodePair.Generous);
        Assert.Contains("takes nothing", closed.Message);
    }

    // ---- Inline read continuations (the getter decoding a large blob on the read loop).

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnInlineReadersContinuationRunsOnTheReadLoopAndHoldsItUpUntilItYields(bool inline)
    {
        await using var peer = await RawPeer.StartAsync(Options);
        var a = await OpenFromPeerAsync(peer, 2);
        var b = await OpenFromPeerAsync(peer, 4);
        a.InlineReadContinuations = inline;
        Task<int> bRead = Task.FromResult(-1);
        var bDoneWhileAHeldTheThread = false;
        var aRead = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            var n = await a.ReadAsync(buffer).ConfigureAwait(false);
            Assert.Equal(100, n);
            // Straight after A's bytes the peer sent B's: the read loop delivers them only once this continuation
            // leaves it (inline), or at once (on the thread pool).
            var bBuffer = new byte[4096];
            bRead = b.ReadAsync(bBuffer).AsTask();
            var until = DateTime.UtcNow.AddMilliseconds(inline ? 300 : 30_000);
            while (!bRead.IsCompleted && DateTime.UtcNow < until)
                Thread.Sleep(10);
            bDoneWhileAHeldTheThread = bRead.IsCompleted;
        });
        await Task.Delay(50);
        await peer.SendAsync(2, 2, new byte[100]);
        await peer.SendAsync(2, 4, new byte[7]);
        await aRead.WaitAsync(NodePair.Generous);
        Assert.Equal(!inline, bDoneWhileAHeldTheThread);
        Assert.Equal(7, await bRead.WaitAsync(NodePair.Generous));
    }

    [Fact]
    public async Task AnInlineReaderIsWokenByTheEndAndByAReset()
    {
        await using var peer = await RawPeer.StartAsync(Options);
        var ended = await OpenFromPeerAsync(peer, 2);
        ended.InlineReadContinuations = true;
        var read = ended.ReadAsync(new byte[16]).AsTask();
        await Task.Delay(50);
        await peer.SendAsync(3, 2, ReadOnlyMemory<byte>.Empty); // END
        Assert.Equal(0, await read.WaitAsync(NodePair.Generous));

        var reset = await OpenFromPeerAsync(peer, 4);
        reset.InlineReadContinuations = true;
        read = reset.ReadAsync(new byte[16]).AsTask();
        await Task.Delay(50);
        var code = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(code, (uint)StreamErrorCode.Internal);
        await peer.SendAsync(4, 4, code); // RESET
        var e = await Assert.ThrowsAsync<StreamResetException>(() => read.WaitAsync(NodePair.Generous));
        Assert.True(e.ByPeer);
    }
}
