using System.Net;
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
