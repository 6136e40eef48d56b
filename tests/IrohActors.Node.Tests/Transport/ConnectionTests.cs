using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

public class ConnectionTests
{
    [Theory]
    [MemberData(nameof(NodePair.Modes), MemberType = typeof(NodePair))]
    public async Task BothSidesSeeTheOtherNodeId(string mode)
    {
        await using var pair = NodePair.Start(serverOptions: NodePair.Mode(mode), clientOptions: NodePair.Mode(mode));
        await using var client = await pair.DialAsync();
        var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        Assert.Equal(pair.Server.NodeId, client.RemoteNodeId);
        Assert.Equal(pair.Client.NodeId, server.RemoteNodeId);
        Assert.Equal(pair.Client.NodeId, client.LocalNodeId);
        Assert.True(client.IsDialer);
        Assert.False(server.IsDialer);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, client.CipherSuite);
            Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, server.CipherSuite);
        }
    }

    [Fact]
    public async Task WorksOverIpv6Loopback()
    {
        if (!Socket.OSSupportsIPv6)
            return;
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        using var server = new NodeEndpoint(serverKey);
        using var client = new NodeEndpoint(clientKey);
        var accepted = new TaskCompletionSource<NodeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        NodeListener listener;
        try
        {
            listener = server.Listen(new IPEndPoint(IPAddress.IPv6Loopback, 0), (c, _) =>
            {
                accepted.TrySetResult(c);
                return Task.CompletedTask;
            });
        }
        catch (SocketException)
        {
            return; // IPv6 configured off in this container
        }
        await using (listener)
        {
            await using var connection = await client.ConnectAsync(new NodeAddr(server.NodeId, listener.LocalEndPoint)).WaitAsync(NodePair.Generous);
            var serverSide = await accepted.Task.WaitAsync(NodePair.Generous);
            Assert.Equal(clientKey.NodeId, serverSide.RemoteNodeId);
            Assert.Equal(IPAddress.IPv6Loopback, connection.RemoteEndPoint.Address);
        }
    }

    [Theory]
    [MemberData(nameof(NodePair.Modes), MemberType = typeof(NodePair))]
    public async Task DialingTheWrongNodeIdFailsNamingBoth(string mode)
    {
        await using var pair = NodePair.Start(serverOptions: NodePair.Mode(mode), clientOptions: NodePair.Mode(mode));
        using var stranger = SecretKey.Generate();
        var wrong = new NodeAddr(stranger.NodeId, pair.Listener.LocalEndPoint);
        var e = await Assert.ThrowsAsync<PeerIdentityMismatchException>(() => pair.Client.ConnectAsync(wrong).WaitAsync(NodePair.Generous));
        Assert.Equal(stranger.NodeId, e.Expected);
        Assert.Equal(pair.Server.NodeId, e.Actual);
        Assert.Contains(stranger.NodeId.ToString(), e.Message);
        Assert.Contains(pair.Server.NodeId.ToString(), e.Message);
        Assert.Contains(pair.Listener.LocalEndPoint.ToString(), e.Message);
    }

    [Fact]
    public async Task AMismatchWinsOverOtherAddressFailures()
    {
        await using var pair = NodePair.Start();
        using var stranger = SecretKey.Generate();
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var unused = (IPEndPoint)closed.LocalEndPoint!; // bound but not listening: connection refused
        var addr = new NodeAddr(stranger.NodeId, [unused, pair.Listener.LocalEndPoint]);
        await Assert.ThrowsAsync<PeerIdentityMismatchException>(() => pair.Client.ConnectAsync(addr).WaitAsync(NodePair.Generous));
    }

    [Fact]
    public async Task TriesAddressesInOrder()
    {
        await using var pair = NodePair.Start();
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var addr = new NodeAddr(pair.Server.NodeId, [(IPEndPoint)closed.LocalEndPoint!, pair.Listener.LocalEndPoint]);
        await using var connection = await pair.Client.ConnectAsync(addr).WaitAsync(NodePair.Generous);
        Assert.Equal(pair.Listener.LocalEndPoint, connection.RemoteEndPoint);
    }

    [Fact]
    public async Task AllAddressesFailingListsEach()
    {
        await using var pair = NodePair.Start();
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        b.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var addr = new NodeAddr(pair.Server.NodeId, [(IPEndPoint)a.LocalEndPoint!, (IPEndPoint)b.LocalEndPoint!]);
        var e = await Assert.ThrowsAsync<NodeConnectException>(() => pair.Client.ConnectAsync(addr).WaitAsync(NodePair.Generous));
        Assert.Equal(2, e.Failures.Count);
        Assert.Contains(a.LocalEndPoint!.ToString()!, e.Message);
        Assert.Contains(b.LocalEndPoint!.ToString()!, e.Message);
    }

    [Fact]
    public async Task TheOnlyAddressRefusingIsNamedWithItsNode()
    {
        await using var pair = NodePair.Start();
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var addr = new NodeAddr(pair.Server.NodeId, (IPEndPoint)closed.LocalEndPoint!);
        var e = await Assert.ThrowsAsync<NodeConnectException>(() => pair.Client.ConnectAsync(addr).WaitAsync(NodePair.Generous));
        Assert.IsType<SocketException>(Assert.Single(e.Failures).Error);
        Assert.StartsWith($"could not connect to node {pair.Server.NodeId}: {closed.LocalEndPoint}: ", e.Message);
    }

    [Theory]
    [MemberData(nameof(NodePair.Modes), MemberType = typeof(NodePair))]
    public async Task AClientWithoutCertificateIsRefused(string mode)
    {
        using var key = SecretKey.Generate();
        using var endpoint = new NodeEndpoint(key, NodePair.Mode(mode));
        var (failure, handlerCalled) = await NodePair.RefusedRawClientAsync(endpoint, new SslClientAuthenticationOptions
        {
            TargetHost = string.Empty,
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [new SslApplicationProtocol("iroh-actors/0")],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.IsAssignableFrom<PeerAuthenticationException>(failure);
        Assert.Contains("no certificate", failure.Message);
        Assert.False(handlerCalled);
    }

    [Theory]
    [MemberData(nameof(NodePair.Modes), MemberType = typeof(NodePair))]
    public async Task ConnectTimeoutOnAListenerThatNeverAccepts(string mode)
    {
        // The kernel completes TCP handshakes into the backlog, but nobody ever speaks TLS.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackHole.Listen(1);
        using var key = SecretKey.Generate();
        using var target = SecretKey.Generate();
        using var endpoint = new NodeEndpoint(key, NodePair.Mode(mode, new TransportOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) }));
        var addr = new NodeAddr(target.NodeId, (IPEndPoint)blackHole.LocalEndPoint!);
        var e = await Assert.ThrowsAsync<ConnectTimeoutException>(() => endpoint.ConnectAsync(addr).WaitAsync(NodePair.Generous));
        Assert.Equal(addr.DirectAddresses[0], e.EndPoint);
        Assert.Contains(blackHole.LocalEndPoint!.ToString()!, e.Message);
        Assert.Contains("500 ms", e.Message);
    }

    [Theory]
    [MemberData(nameof(NodePair.Modes), MemberType = typeof(NodePair))]
    public async Task CallerCancellationIsNotReportedAsATimeout(string mode)
    {
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackHole.Listen(1);
        using var key = SecretKey.Generate();
        using var endpoint = new NodeEndpoint(key, NodePair.Mode(mode));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            endpoint.ConnectAsync(new NodeAddr(key.NodeId, (IPEndPoint)blackHole.LocalEndPoint!), cts.Token).WaitAsync(NodePair.Generous));
    }

    [Fact]
    public async Task IdleTimeoutClosesAnUnusedConnection()
    {
        var options = new TransportOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        await using var pair = NodePair.Start(serverOptions: options, clientOptions: options);
        var client = await pair.DialAsync();
        var closed = await client.Completion.WaitAsync(NodePair.Generous);
        Assert.Equal(CloseCode.Idle, closed.Code);
        await Assert.ThrowsAsync<ConnectionClosedException>(() => client.OpenStreamAsync(new byte[1]));
    }

    [Fact]
    public async Task AnOpenStreamKeepsTheConnectionFromIdling()
    {
        // The idle timeout must outlast the set-up (dial, open, one echo so that the server has surely seen the stream):
        // with 200 ms, a loaded machine let the connection idle out, rightly, before the stream was open.
        var options = new TransportOptions { IdleTimeout = TimeSpan.FromMilliseconds(1000) };
        await using var pair = NodePair.Start(NodePair.Echo, options, options);
        await using var client = await pair.DialAsync();
        await using var stream = await client.OpenStreamAsync(new byte[1]);
        var buffer = new byte[1];
        await stream.WriteAsync(new byte[] { 41 });
        Assert.Equal(1, await stream.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous));
        Assert.Equal(41, buffer[0]);
        await Task.Delay(3000); // three idle timeouts with the stream open
        Assert.False(client.Completion.IsCompleted);
        await stream.WriteAsync(new byte[] { 42 });
        Assert.Equal(1, await stream.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous));
        Assert.Equal(42, buffer[0]);
    }

    [Fact]
    public async Task KeepAliveMeasuresTheRoundTripTime()
    {
        var options = new TransportOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(50) };
        await using var pair = NodePair.Start(clientOptions: options);
        await using var client = await pair.DialAsync();
        var measured = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.RttMeasured += (_, rtt) => measured.TrySetResult(rtt);
        var rtt = await measured.Task.WaitAsync(NodePair.Generous);
        Assert.True(rtt > TimeSpan.Zero);
        Assert.NotNull(client.LatestRtt);
    }

    [Fact]
    public async Task ListenerDisposeClosesItsConnections()
    {
        var pair = NodePair.Start();
        var client = await pair.DialAsync();
        await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        await pair.DisposeAsync();
        var closed = await client.Completion.WaitAsync(NodePair.Generous);
        Assert.True(closed.ByPeer);
        Assert.True(closed.Code == CloseCode.Normal, closed.Message);
        Assert.Contains("listener stopped", closed.Message);
    }
}
