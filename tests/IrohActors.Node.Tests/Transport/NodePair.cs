using System.Net;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Net.Security;
using System.Security.Cryptography;
using System.Threading.Channels;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

/// <summary>Two endpoints on 127.0.0.1: a listener running a stream service, and a dialer.</summary>
internal sealed class NodePair : IAsyncDisposable
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    /// <summary>The three ways a connection can run: OpenSSL directly, SslStream on a connection thread, SslStream on the runtime's socket engine.</summary>
    public static TheoryData<string> Modes => new() { "openssl", "sslstream", "engine" };

    /// <summary>The options of <paramref name="mode"/> (one of <see cref="Modes"/>), on top of <paramref name="options"/>.</summary>
    public static TransportOptions Mode(string mode, TransportOptions? options = null) => (options ?? new TransportOptions()) with
    {
        ConnectionThreads = mode != "engine",
        Tls = mode == "openssl" ? TlsProvider.OpenSsl : TlsProvider.SslStream,
    };

    private NodePair(SecretKey serverKey, SecretKey clientKey, NodeEndpoint server, NodeEndpoint client)
    {
        ServerKey = serverKey;
        ClientKey = clientKey;
        Server = server;
        Client = client;
    }

    public SecretKey ServerKey { get; }
    public SecretKey ClientKey { get; }
    public NodeEndpoint Server { get; }
    public NodeEndpoint Client { get; }
    public NodeListener Listener { get; private set; } = null!;
    public Channel<NodeConnection> Accepted { get; } = Channel.CreateUnbounded<NodeConnection>();
    public Channel<(IPEndPoint, Exception)> HandshakeFailures { get; } = Channel.CreateUnbounded<(IPEndPoint, Exception)>();
    public NodeAddr ServerAddr => new(Server.NodeId, Listener.LocalEndPoint);

    /// <summary>Starts the pair; <paramref name="service"/> handles every stream the dialer opens.</summary>
    public static NodePair Start(Func<MuxStream, Task>? service = null, TransportOptions? serverOptions = null, TransportOptions? clientOptions = null)
    {
        var serverKey = SecretKey.Generate();
        var clientKey = SecretKey.Generate();
        var pair = new NodePair(serverKey, clientKey, new NodeEndpoint(serverKey, serverOptions), new NodeEndpoint(clientKey, clientOptions));
        pair.Listener = pair.Server.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
        {
            pair.Accepted.Writer.TryWrite(connection);
            if (service == null)
                return;
            while (true)
            {
                MuxStream stream;
                try
                {
                    stream = await connection.AcceptStreamAsync(ct);
                }
                catch (Exception e) when (e is ConnectionClosedException or OperationCanceledException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await service(stream);
                    }
                    catch (IOException)
                    {
                        // reset or closed: the test observes that from the other side
                    }
                    finally
                    {
                        await stream.DisposeAsync();
                    }
                });
            }
        });
        pair.Listener.HandshakeFailed += (ep, e) => pair.HandshakeFailures.Writer.TryWrite((ep, e));
        return pair;
    }

    public Task<NodeConnection> DialAsync() => Client.ConnectAsync(ServerAddr).WaitAsync(Generous);

    /// <summary>
    /// A bare SslStream client with <paramref name="options"/> against a listener of <paramref name="endpoint"/> that
    /// must refuse it: returns the listener's handshake failure, and whether its connection handler ran.
    /// </summary>
    public static async Task<(Exception Failure, bool HandlerCalled)> RefusedRawClientAsync(NodeEndpoint endpoint, SslClientAuthenticationOptions options)
    {
        var handlerCalled = false;
        var failures = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = endpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), (_, _) =>
        {
            handlerCalled = true;
            return Task.CompletedTask;
        });
        listener.HandshakeFailed += (_, e) => failures.TrySetResult(e);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(listener.LocalEndPoint);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(options).WaitAsync(Generous);
            // TLS 1.3: the server judges the client after the client finished; it then closes.
            Assert.Equal(0, await tls.ReadAsync(new byte[64]).AsTask().WaitAsync(Generous));
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            // Also a refusal: the server's alert reached the client during or after the handshake.
        }
        return (await failures.Task.WaitAsync(Generous), handlerCalled);
    }

    /// <summary>Sends <see cref="Payload"/>(<paramref name="seed"/>, <paramref name="length"/>) to the echo service on a new stream while reading the echo back, and checks it.</summary>
    public static async Task EchoAndCheckAsync(NodeConnection client, int seed, int length)
    {
        var payload = Payload(seed, length);
        await using var stream = await client.OpenStreamAsync(new byte[] { (byte)seed });
        var writer = Task.Run(async () =>
        {
            await stream.WriteAsync(payload);
            await stream.CompleteWritesAsync();
        });
        var (hash, read) = await ReadAllHashedAsync(stream);
        await writer;
        Assert.Equal(payload.Length, read);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(payload), hash);
    }

    /// <summary>Runs <paramref name="work"/> on a thread of its own (as a connection's thread) and returns its result.</summary>
    public static Task<T> OnOwnThread<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true }.Start();
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await Listener.DisposeAsync();
        Server.Dispose();
        Client.Dispose();
        ServerKey.Dispose();
        ClientKey.Dispose();
    }

    /// <summary>Echoes everything back, then ends.</summary>
    public static async Task Echo(MuxStream stream)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
            await stream.WriteAsync(buffer.AsMemory(0, n));
        await stream.CompleteWritesAsync();
    }

    /// <summary>Deterministic pseudo-random payload (seeded), so both sides can hash it.</summary>
    public static byte[] Payload(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Reads a stream to its end and returns the SHA-256 of what arrived and its length.</summary>
    public static async Task<(byte[] Hash, long Length)> ReadAllHashedAsync(Stream stream, int bufferSize = 48 * 1024)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[bufferSize];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        return (hash.GetHashAndReset(), total);
    }
}
