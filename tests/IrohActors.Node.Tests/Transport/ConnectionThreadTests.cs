using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Tests.Transport;

/// <summary>Connections with a thread of their own (<see cref="TransportOptions.ConnectionThreads"/>) and the polled socket under them.</summary>
public class ConnectionThreadTests
{
    private static readonly TransportOptions Threads = new() { ConnectionThreads = true };
    private static readonly TransportOptions Engine = new() { ConnectionThreads = false };

    /// <summary>A connected pair of sockets on 127.0.0.1.</summary>
    private static async Task<(Socket Client, Socket Server)> SocketPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        PolledSocketStream.Connect(client, listener.LocalEndPoint!, CancellationToken.None);
        return (client, await accept.WaitAsync(NodePair.Generous));
    }

    /// <summary>True if <paramref name="fd"/> is registered in one of this process's epoll sets (Linux).</summary>
    private static bool InEpollSet(long fd)
    {
        foreach (var entry in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (target != "anon_inode:[eventpoll]")
                continue;
            string[] lines;
            try
            {
                lines = File.ReadAllLines("/proc/self/fdinfo/" + Path.GetFileName(entry));
            }
            catch (IOException)
            {
                continue;
            }
            // "tfd:       42 events: ..." — the registered descriptor.
            if (lines.Any(l => l.StartsWith("tfd:", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == fd.ToString()))
                return true;
        }
        return false;
    }

    [Fact]
    public void ARefusedConnectIsReportedAsRefused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closedPort = probe.LocalEndPoint!;
        probe.Dispose();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = Assert.Throws<SocketException>(() => PolledSocketStream.Connect(socket, closedPort, CancellationToken.None));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task AReadOnTheOwnThreadWaitsForData()
    {
        var (client, server) = await SocketPairAsync();
        using var _ = client;
        using var __ = server;
        var started = new ManualResetEventSlim();
        var read = NodePair.OnOwnThread(() =>
        {
            using var stream = new PolledSocketStream(server);
            var buffer = new byte[100];
            started.Set();
            var task = stream.ReadAsync(buffer.AsMemory());
            // Waited on this thread: the read comes back completed, with the bytes.
            return (task.IsCompleted, buffer[..task.Result]);
        });
        started.Wait(NodePair.Generous);
        await Task.Delay(100);
        Assert.False(read.IsCompleted);
        client.Send([1, 2, 3]);
        var (completed, bytes) = await read.WaitAsync(NodePair.Generous);
        Assert.True(completed);
        Assert.Equal([1, 2, 3], bytes);
    }

    [Fact]
    public async Task AReadOnAnotherThreadDoesNotBlockIt()
    {
        var (client, server) = await SocketPairAsync();
        using var _ = client;
        var stream = await NodePair.OnOwnThread(() => new PolledSocketStream(server));
        await using var __ = stream;
        var buffer = new byte[100];
        var read = stream.ReadAsync(buffer.AsMemory());
        // Not the stream's thread: the read went to the runtime's engine and this thread went on.
        Assert.False(read.IsCompleted);
        client.Send([4, 5]);
        Assert.Equal(2, await read.AsTask().WaitAsync(NodePair.Generous));
        Assert.Equal([4, 5], buffer[..2]);
    }

    [Fact]
    public async Task DisposingFailsAReadWaitingInPoll()
    {
        var (client, server) = await SocketPairAsync();
        using var _ = client;
        PolledSocketStream? stream = null;
        var waiting = new ManualResetEventSlim();
        var read = NodePair.OnOwnThread(() =>
        {
            stream = new PolledSocketStream(server);
            waiting.Set();
            return stream.ReadAsync(new byte[10]).AsTask();
        });
        waiting.Wait(NodePair.Generous);
        await Task.Delay(100);
        stream!.Dispose();
        var inner = await read.WaitAsync(NodePair.Generous);
        await Assert.ThrowsAsync<IOException>(() => inner);
    }

    [Fact]
    public async Task AWriteToAFullSocketIsFinishedByTheEngineInOrder()
    {
        var (client, server) = await SocketPairAsync();
        using var _ = server;
        await using var stream = new PolledSocketStream(client);
        var payload = RandomNumberGenerator.GetBytes(64 << 20);
        // Nobody reads yet: the socket fills long before 64 MiB, and the rest is left to the runtime's async send.
        var write = stream.WriteAsync(payload);
        Assert.False(write.IsCompleted);
        var received = new byte[payload.Length];
        var at = 0;
        while (at < received.Length)
        {
            var n = await server.ReceiveAsync(received.AsMemory(at)).AsTask().WaitAsync(NodePair.Generous);
            Assert.True(n > 0, "the stream ended early");
            at += n;
        }
        await write.AsTask().WaitAsync(NodePair.Generous);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StreamsWorkEitherWay(bool threads)
    {
        var options = threads ? Threads : Engine;
        await using var pair = NodePair.Start(NodePair.Echo, options, options);
        await using var client = await pair.DialAsync();
        var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
        Assert.Equal(threads, client.ReadThread is not null);
        Assert.Equal(threads, server.ReadThread is not null);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => NodePair.EchoAndCheckAsync(client, i, 3 << 20))).WaitAsync(NodePair.Generous);
    }

    [Fact]
    public async Task AConnectionsThreadEndsWithIt()
    {
        await using var pair = NodePair.Start(NodePair.Echo, Threads, Threads);
        var threads = new List<Thread>();
        for (var i = 0; i < 5; i++)
        {
            var client = await pair.DialAsync();
            var server = await pair.Accepted.Reader.ReadAsync().AsTask().WaitAsync(NodePair.Generous);
            threads.Add(client.ReadThread!);
            threads.Add(server.ReadThread!);
            Assert.True(client.ReadThread!.IsAlive);
            await client.CloseAsync();
        }
        Assert.Equal(10, threads.Distinct().Count());
        foreach (var thread in threads)
            Assert.True(thread.Join(NodePair.Generous), $"{thread.Name} still runs after its connection closed");
    }

    [Fact]
    public async Task AConnectionThreadsSocketStaysOutOfTheRuntimesEpollSet()
    {
        if (!OperatingSystem.IsLinux())
            return; // epoll is Linux's
        foreach (var threads in new[] { true, false })
        {
            var options = threads ? Threads : Engine;
            await using var pair = NodePair.Start(NodePair.Echo, options, options);
            await using var client = await pair.DialAsync();
            // The reader waits for the echo many times over: with the engine, each wait registers the socket.
            await NodePair.EchoAndCheckAsync(client, 7, 8 << 20);
            // Checked both ways, so that the check itself is seen to find a registered socket.
            Assert.Equal(!threads, InEpollSet(client.SocketHandle));
        }
    }
}
