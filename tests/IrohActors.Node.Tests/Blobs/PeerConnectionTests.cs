using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using IrohActors.Actors;
using IrohActors.Node.Identity;
using IrohActors.Node.Peers;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

public class PeerConnectionTests
{
    [Fact]
    public async Task OnePeerActorPerNodeSharesTheConnectionAndCountsBytes()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(500_000, 8);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var first = await getter.ConnectAsync(provider.Address);
        var second = await getter.ConnectAsync(provider.Address);
        Assert.Same(first, second);
        await getter.DownloadAsync(provider.CreateTicket(imported.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);

        var peer = await getter.Peers.Ask<IActorRef>(new GetPeerActor(provider.NodeId), TestNodes.Generous);
        var stats = await peer.Ask<PeerStats>(GetPeerStats.Instance, TestNodes.Generous);
        Assert.Equal($"/user/node/peers/{provider.NodeId}", peer.Path.ToString());
        Assert.True(stats.Connected);
        Assert.Equal(1, stats.Connects);
        Assert.True(stats.BytesReceived > data.Length, $"{stats.BytesReceived} bytes received");
        Assert.Equal(provider.NodeId, stats.NodeId);
    }

    [Fact]
    public async Task ALostConnectionIsReestablished()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var connection = await getter.ConnectAsync(provider.Address);
        // An abnormal close (as a crash would look) makes the peer actor reconnect on its own.
        await connection.CloseAsync(CloseCode.Internal, "test: simulated failure");
        var peer = await getter.Peers.Ask<IActorRef>(new GetPeerActor(provider.NodeId), TestNodes.Generous);
        var deadline = DateTime.UtcNow + TestNodes.Generous;
        PeerStats stats;
        do
        {
            await Task.Delay(50);
            stats = await peer.Ask<PeerStats>(GetPeerStats.Instance, TestNodes.Generous);
        }
        while (stats.Connects < 2 && DateTime.UtcNow < deadline);
        Assert.Equal(2, stats.Connects);
        Assert.True(stats.Connected);
        var again = await getter.ConnectAsync(provider.Address);
        Assert.NotSame(connection, again);
    }

    [Fact]
    public async Task AClosingConnectionIsNotHandedOutAgain()
    {
        // A peer that completes the handshake and the HELLO, then never answers nor closes: our close of a connection
        // to it stays in its handshake until the close timeout (2 s), and meanwhile opens no streams.
        await using var peer = await SilentPeer.StartAsync();
        await using var nodes = new TestNodes();
        var getter = await nodes.StartAsync();
        var first = await getter.ConnectAsync(peer.Address).WaitAsync(TestNodes.Generous);
        var closing = first.CloseAsync(CloseCode.Internal, "test: cut");
        Assert.True(first.IsClosing);

        var second = await getter.ConnectAsync(peer.Address).WaitAsync(TestNodes.Generous);

        Assert.NotSame(first, second);
        Assert.False(second.IsClosing);
        Assert.False(closing.IsCompleted, "the close finished early: the test did not hold it open");
        Assert.Equal(2, peer.Accepted);
        await closing.WaitAsync(TestNodes.Generous);
        // The old connection's end is not taken for the new one's: the peer stays connected, on the second connection.
        var actor = await getter.Peers.Ask<IActorRef>(new GetPeerActor(peer.NodeId), TestNodes.Generous);
        var stats = await actor.Ask<PeerStats>(GetPeerStats.Instance, TestNodes.Generous);
        Assert.True(stats.Connected);
        Assert.Equal(2, stats.Connects);
        Assert.Same(second, await getter.ConnectAsync(peer.Address));
    }

    /// <summary>A listener that does the TLS handshake and the mux HELLO for each dialer, then neither reads nor closes.</summary>
    private sealed class SilentPeer : IAsyncDisposable
    {
        private readonly SecretKey _key = SecretKey.Generate();
        private readonly NodeCertificate _certificate;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<SslStream> _streams = [];
        private readonly Task _accepting;
        private int _accepted;

        private SilentPeer()
        {
            _certificate = NodeCertificate.Create(_key);
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public NodeId NodeId => _key.NodeId;

        public NodeAddr Address => new(_key.NodeId, (IPEndPoint)_listener.LocalEndpoint);

        /// <summary>Dialers that completed the TLS handshake and were sent the HELLO.</summary>
        public int Accepted => Volatile.Read(ref _accepted);

        public static Task<SilentPeer> StartAsync() => Task.FromResult(new SilentPeer());

        private async Task AcceptAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                var (tls, _) = await TlsHandshake.AsServerAsync(new NetworkStream(socket, ownsSocket: true), _certificate, (IPEndPoint)socket.RemoteEndPoint!, CancellationToken.None);
                lock (_streams)
                    _streams.Add(tls);
                var hello = new byte[FrameHeader.Size + MuxSettings.Size];
                new FrameHeader(FrameType.Hello, 0, MuxSettings.Size).Write(hello);
                MuxSettings.From(new TransportOptions()).Write(hello.AsSpan(FrameHeader.Size));
                // Counted before the HELLO leaves: a dialer that has read it can count on being counted.
                Interlocked.Increment(ref _accepted);
                await tls.WriteAsync(hello);
                await tls.ReadExactlyAsync(new byte[FrameHeader.Size + MuxSettings.Size]);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
            lock (_streams)
            {
                foreach (var stream in _streams)
                    stream.Dispose();
            }
            _certificate.Dispose();
            _key.Dispose();
        }
    }
}
