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
}
