using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;
using IrohActors.Node.Transport.OpenSsl;

namespace IrohActors.Node.Tests.Transport;

/// <summary>TLS run by OpenSSL directly (<see cref="TlsProvider.OpenSsl"/>): against SslStream, and when things go wrong.</summary>
public class OpenSslTests
{
    private static readonly TransportOptions OpenSsl = NodePair.Mode("openssl");
    private static readonly TransportOptions SslStreamOnThreads = NodePair.Mode("sslstream");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenSslAndSslStreamMeetEitherWayRound(bool openSslDials)
    {
        if (!LibSsl.IsAvailable)
            return; // SslStream everywhere
        await using var pair = NodePair.Start(NodePair.Echo, openSslDials ? SslStreamOnThreads : OpenSsl, openSslDials ? OpenSsl : SslStreamOnThreads);
        await using var client = await pair.DialAsync();
        var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        Assert.Equal(openSslDials, client.TransportStream is OpenSslStream);
        Assert.Equal(!openSslDials, server.TransportStream is OpenSslStream);
        Assert.Equal(pair.Server.NodeId, client.RemoteNodeId);
        Assert.Equal(pair.Client.NodeId, server.RemoteNodeId);
        Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, client.CipherSuite);
        Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, server.CipherSuite);
        // The OpenSSL side reads SslStream's records itself (and a client ignores the tickets SslStream may send).
        Assert.True(((OpenSslStream)(openSslDials ? client : server).TransportStream).ReadsRecords);
        await Task.WhenAll(NodePair.EchoAndCheckAsync(client, 1, 5 << 20), NodePair.EchoAndCheckAsync(client, 2, 1), NodePair.EchoAndCheckAsync(client, 3, 300_000)).WaitAsync(NodePair.Generous);
    }

    [Theory]
    [InlineData(true, true, true, true)]
    [InlineData(false, false, false, false)]
    [InlineData(true, true, false, false)]
    [InlineData(true, false, false, false)]
    [InlineData(false, true, true, false)]
    public async Task AfterTheHandshakeRecordsAreReadAndSealedByUsOrByOpenSslInAnyMix(bool serverReads, bool serverWrites, bool clientReads, bool clientWrites)
    {
        if (!LibSsl.IsAvailable)
            return;
        await using var pair = NodePair.Start(NodePair.Echo, OpenSsl with { ReadRecordsItself = serverReads, WriteRecordsItself = serverWrites },
            OpenSsl with { ReadRecordsItself = clientReads, WriteRecordsItself = clientWrites });
        await using var client = await pair.DialAsync();
        var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        // Our writer only with our reader: OpenSSL reading a KeyUpdate would answer it under its own keys.
        Assert.Equal(clientReads, ((OpenSslStream)client.TransportStream).ReadsRecords);
        Assert.Equal(clientWrites && clientReads, ((OpenSslStream)client.TransportStream).WritesRecords);
        Assert.Equal(serverReads, ((OpenSslStream)server.TransportStream).ReadsRecords);
        Assert.Equal(serverWrites && serverReads, ((OpenSslStream)server.TransportStream).WritesRecords);
        await Task.WhenAll(NodePair.EchoAndCheckAsync(client, 1, 3 << 20), NodePair.EchoAndCheckAsync(client, 2, 1), NodePair.EchoAndCheckAsync(client, 3, 100_000)).WaitAsync(NodePair.Generous);
        // A graceful close: each side's close_notify reaches the other, whoever seals and reads it.
        await client.CloseAsync();
        var closed = await server.Completion.WaitAsync(NodePair.Generous);
        Assert.Equal(CloseCode.Normal, closed.Code);
        Assert.True(closed.ByPeer);
        Assert.Null(closed.InnerException);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KeyUpdatesOnBothSidesKeepTheDataFlowing(bool clientSealsItself)
    {
        if (!LibSsl.IsAvailable)
            return;
        await using var pair = NodePair.Start(NodePair.Echo, OpenSsl, OpenSsl with { WriteRecordsItself = clientSealsItself });
        await using var client = await pair.DialAsync();
        var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        var ours = (OpenSslStream)client.TransportStream;
        var theirs = (OpenSslStream)server.TransportStream;
        Assert.Equal(clientSealsItself, ours.WritesRecords);
        await NodePair.EchoAndCheckAsync(client, 1, 1 << 20).WaitAsync(NodePair.Generous);
        Assert.Equal(0, theirs.KeyUpdatesReceived);
        // OpenSSL sends our KeyUpdate, asking the peer to update too, before our next record; the peer's reader
        // switches keys, and its answer (its own KeyUpdate) reaches ours before the echo.
        ours.UpdateSendingKeys(requestPeer: true);
        await NodePair.EchoAndCheckAsync(client, 2, 1 << 20).WaitAsync(NodePair.Generous);
        Assert.Equal(1, theirs.KeyUpdatesReceived);
        Assert.Equal(1, ours.KeyUpdatesReceived);
        theirs.UpdateSendingKeys(requestPeer: false);
        await NodePair.EchoAndCheckAsync(client, 3, 1 << 20).WaitAsync(NodePair.Generous);
        Assert.Equal(2, ours.KeyUpdatesReceived);
        Assert.Equal(1, theirs.KeyUpdatesReceived);
        Assert.Equal(clientSealsItself ? 1 : 0, ours.KeyUpdatesSent); // OpenSSL's writer sent it otherwise
        Assert.Equal(2, theirs.KeyUpdatesSent);
    }

    [Fact]
    public async Task AClientWithoutOurAlpnIsRefused()
    {
        if (!LibSsl.IsAvailable)
            return;
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        using var endpoint = new NodeEndpoint(serverKey, OpenSsl);
        using var clientCertificate = NodeCertificate.Create(clientKey);
        var (failure, handlerCalled) = await NodePair.RefusedRawClientAsync(endpoint, new SslClientAuthenticationOptions
        {
            TargetHost = string.Empty,
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificateContext = clientCertificate.Context,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.IsAssignableFrom<PeerAuthenticationException>(failure);
        Assert.Contains("did not agree to ALPN protocol iroh-actors/0", failure.Message);
        Assert.False(handlerCalled);
    }

    [Fact]
    public async Task GarbageInsteadOfAHandshakeIsRefusedWithOpenSslsReason()
    {
        if (!LibSsl.IsAvailable)
            return;
        using var key = SecretKey.Generate();
        using var endpoint = new NodeEndpoint(key, OpenSsl);
        var failures = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = endpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), (_, _) => Task.CompletedTask);
        listener.HandshakeFailed += (_, e) => failures.TrySetResult(e);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(listener.LocalEndPoint);
        await tcp.GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var failure = await failures.Task.WaitAsync(NodePair.Generous);
        Assert.IsAssignableFrom<PeerAuthenticationException>(failure);
        Assert.StartsWith($"TLS handshake with dialer 127.0.0.1:", failure.Message);
        Assert.Contains("SSL routines", failure.Message);
    }

    [Fact]
    public async Task AFlippedByteOnTheWireEndsTheConnectionAndNothingAfterItIsRead()
    {
        if (!LibSsl.IsAvailable)
            return;
        var payload = NodePair.Payload(9, 4 << 20);
        await using var pair = NodePair.Start(async stream =>
        {
            await stream.WriteAsync(payload);
            await stream.CompleteWritesAsync();
        }, OpenSsl, OpenSsl);
        // A relay between the nodes that flips one bit of what the server sends, well after the handshake.
        using var proxy = new TamperingRelay(pair.Listener.LocalEndPoint, flipAt: 1 << 20);
        await using var client = await pair.Client.ConnectAsync(new NodeAddr(pair.Server.NodeId, proxy.EndPoint)).WaitAsync(NodePair.Generous);
        await using var stream = await client.OpenStreamAsync(new byte[] { 1 });
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(NodePair.Generous);
                if (n == 0)
                    break;
                received.Write(buffer, 0, n);
            }
        });
        Assert.IsType<ConnectionClosedException>(failure);
        Assert.Contains("TLS read failed", failure.Message);
        // What was read is the start of the payload, and stops before the tampered record.
        Assert.True(received.Length < (1 << 20), $"{received.Length} bytes read");
        Assert.Equal(payload.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
        var closed = await client.Completion.WaitAsync(NodePair.Generous);
        Assert.Contains("TLS read failed", closed.Message);
    }

    [Fact]
    public async Task AWriteThatFindsTheSocketFullIsFinishedInOrder()
    {
        if (!LibSsl.IsAvailable)
            return;
        // Two bare OpenSSL streams; the reader's socket buffer is small and it starts late, so the writes outrun it.
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        using var serverCertificate = NodeCertificate.Create(serverKey);
        using var clientCertificate = NodeCertificate.Create(clientKey);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var dialer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await dialer.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        var serverSide = NodePair.OnOwnThread(() => OpenSslStream.AsServer(accepted, serverCertificate.OpenSslContext, (IPEndPoint)accepted.RemoteEndPoint!, CancellationToken.None).Tls);
        using var reader = await NodePair.OnOwnThread(() => OpenSslStream.AsClient(dialer, clientCertificate.OpenSslContext, serverCertificate.NodeId, (IPEndPoint)dialer.RemoteEndPoint!, CancellationToken.None));
        using var writer = await serverSide.WaitAsync(NodePair.Generous);
        var payload = NodePair.Payload(5, 16 << 20);
        var writes = Task.Run(async () =>
        {
            for (var at = 0; at < payload.Length; at += 448 * 1024)
                await writer.WriteAsync(payload.AsMemory(at, Math.Min(448 * 1024, payload.Length - at)));
        });
        await Task.Delay(500);
        var received = new byte[payload.Length];
        for (var at = 0; at < received.Length;)
        {
            var n = await reader.ReadAsync(received.AsMemory(at)).AsTask().WaitAsync(NodePair.Generous);
            Assert.True(n > 0, "the stream ended early");
            at += n;
        }
        await writes.WaitAsync(NodePair.Generous);
        Assert.Equal(payload, received);
        Assert.True(writer.DeferredSends > 0, "the socket never filled: the test did not reach the path it is for");
    }

    [Fact]
    public async Task AReadOffTheConnectionsThreadWaitsWithoutBlockingIt()
    {
        if (!LibSsl.IsAvailable)
            return;
        var (client, server) = await HandshakenPairAsync();
        await using var _ = client;
        await using var __ = server;
        var buffer = new byte[100];
        var read = client.ReadAsync(buffer.AsMemory());
        Assert.False(read.IsCompleted);
        await server.WriteAsync("hello"u8.ToArray());
        Assert.Equal(5, await read.AsTask().WaitAsync(NodePair.Generous));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        // close_notify reads as the end of the stream.
        await server.ShutdownAsync();
        Assert.Equal(0, await client.ReadAsync(buffer.AsMemory()).AsTask().WaitAsync(NodePair.Generous));
    }

    [Fact]
    public async Task DisposingFailsAReadWaitingOnTheConnectionsThread()
    {
        if (!LibSsl.IsAvailable)
            return;
        var (client, server) = await HandshakenPairAsync(keepClientThread: true);
        await using var _ = server;
        await Task.Delay(100);
        client.Stream.Dispose();
        await Assert.ThrowsAsync<IOException>(() => client.PendingRead!.WaitAsync(NodePair.Generous));
    }

    /// <summary>
    /// An OpenSSL client and server after their handshakes, each done on a thread of its own. With
    /// <paramref name="keepClientThread"/>, the client's thread stays and waits in a read (<c>PendingRead</c>).
    /// </summary>
    private static async Task<(ClientSide Client, OpenSslStream Server)> HandshakenPairAsync(bool keepClientThread = false)
    {
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        var serverCertificate = NodeCertificate.Create(serverKey);
        var clientCertificate = NodeCertificate.Create(clientKey);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        PolledSocketStream.Connect(clientSocket, listener.LocalEndPoint!, CancellationToken.None);
        var serverSocket = await accept;
        var serverTask = NodePair.OnOwnThread(() => OpenSslStream.AsServer(serverSocket, serverCertificate.OpenSslContext, (IPEndPoint)serverSocket.RemoteEndPoint!, CancellationToken.None).Tls);
        var handshaken = new TaskCompletionSource<ClientSide>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                var stream = OpenSslStream.AsClient(clientSocket, clientCertificate.OpenSslContext, serverKey.NodeId, (IPEndPoint)clientSocket.RemoteEndPoint!, CancellationToken.None);
                var side = new ClientSide(stream);
                if (!keepClientThread)
                {
                    handshaken.SetResult(side);
                    return;
                }
                var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                side.PendingRead = pending.Task;
                handshaken.SetResult(side);
                try
                {
                    stream.ReadAsync(new byte[10]).AsTask().GetAwaiter().GetResult();
                    pending.SetException(new InvalidOperationException("the read returned"));
                }
                catch (Exception e)
                {
                    pending.SetException(e);
                }
            }
            catch (Exception e)
            {
                handshaken.TrySetException(e);
            }
        }) { IsBackground = true }.Start();
        var server = await serverTask.WaitAsync(NodePair.Generous);
        var client = await handshaken.Task.WaitAsync(NodePair.Generous);
        return (client, server);
    }

    private sealed class ClientSide(OpenSslStream stream) : IAsyncDisposable
    {
        public OpenSslStream Stream { get; } = stream;

        public Task? PendingRead { get; set; }

        public ValueTask<int> ReadAsync(Memory<byte> buffer) => Stream.ReadAsync(buffer);

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }

    /// <summary>Relays one TCP connection to <c>target</c>, flipping one bit of the byte at <c>flipAt</c> in the target → client direction.</summary>
    private sealed class TamperingRelay : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly CancellationTokenSource _stop = new();

        public TamperingRelay(IPEndPoint target, long flipAt)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(1);
            EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
            _ = Task.Run(async () =>
            {
                using var client = await _listener.AcceptAsync(_stop.Token);
                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await upstream.ConnectAsync(target, _stop.Token);
                await Task.WhenAny(PumpAsync(client, upstream, -1), PumpAsync(upstream, client, flipAt));
            });
        }

        public IPEndPoint EndPoint { get; }

        private async Task PumpAsync(Socket from, Socket to, long flipAt)
        {
            var buffer = new byte[64 * 1024];
            long at = 0;
            try
            {
                while (true)
                {
                    var n = await from.ReceiveAsync(buffer, _stop.Token);
                    if (n == 0)
                        break;
                    if (flipAt >= at && flipAt < at + n)
                        buffer[flipAt - at] ^= 0x10;
                    at += n;
                    await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
                }
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
        }
    }
}
