using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using IrohActors.Blake3;
using IrohActors.Node.Transport;
using IrohActors.Node.Transport.OpenSsl;
using IrohActors.Store.Backends;

namespace IrohActors.Cli.Commands;

/// <summary>
/// The second bound of <c>bench transfer</c> (a), next to <see cref="TransferFloor"/>: the required work of a verified
/// TLS transfer into a file, done by the simplest pipeline, measured. The floor adds the parts' CPU and assumes it
/// spread perfectly over the cores; this runs them. One thread per side, nothing else: the provider reads the blob
/// (256 KiB at a time), hashes it and writes it to a bare TLS stream of the node's kind and settings (OpenSSL directly
/// where the node uses it, else SslStream with .NET's <see cref="BufferedStream"/> gathering the records into 256 KiB
/// socket writes and reads); the getter reads from its TLS stream into the store's aligned blocks, hashes them and
/// writes them with the store's <c>O_DIRECT</c> writer (behind it, as the node's getter does), then fsyncs.
/// No framing, no outboard, no store rows, no actors:
/// a node cannot do less and still verify both sides, so its time is the least a node's design can hope for here.
/// The getter's hash must come out as the blob's, or the measurement fails.
/// </summary>
internal static class MinimalPipeline
{
    private const int PieceBytes = 256 * 1024;
    private const int BufferBytes = 256 * 1024;

    /// <summary>Sends <paramref name="file"/> once over 127.0.0.1 into a new file in <paramref name="directory"/> (deleted afterwards); returns the wall and process CPU seconds from the first read to the getter's fsync.</summary>
    public static (double Wall, double Cpu) Measure(string file, Hash expected, string directory, NodeCertificate server, NodeCertificate client)
    {
        var target = Path.Combine(directory, $"minimal-{Guid.NewGuid():N}.bin");
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(1);
        using var dialer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = Task.Run(listen.Accept);
        dialer.Connect(listen.LocalEndPoint!);
        using var accepted = accepting.GetAwaiter().GetResult();
        accepted.NoDelay = true;
        var (provider, getter) = new TransportOptions().UsesOpenSsl
            ? OpenSslPair(accepted, dialer, server, client)
            : SslStreamPair(accepted, dialer, server, client);
        using var providerTls = provider;
        using var getterTls = getter;
        try
        {
            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var send = Task.Factory.StartNew(() => Send(file, expected, provider, accepted), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var receive = Task.Factory.StartNew(() => Receive(getter, target), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            // A getter that fails stops reading: its socket is closed so that the provider's writes fail instead of waiting.
            _ = receive.ContinueWith(_ => dialer.Close(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            Task.WaitAll(send, receive);
            var wall = clock.Elapsed.TotalSeconds;
            self.Refresh();
            var received = receive.Result;
            if (received != expected)
                throw new InvalidOperationException($"the minimal pipeline received {received}, the blob is {expected}");
            return (wall, (self.TotalProcessorTime - cpu).TotalSeconds);
        }
        finally
        {
            File.Delete(target);
        }
    }

    // TLS as the node runs it where OpenSSL loads (OpenSslStream); each handshake on a thread of its own.
    private static (Stream Provider, Stream Getter) OpenSslPair(Socket accepted, Socket dialer, NodeCertificate server, NodeCertificate client)
    {
        var serverSide = Task.Factory.StartNew(() => OpenSslStream.AsServer(accepted, server.OpenSslContext, (IPEndPoint)accepted.RemoteEndPoint!, CancellationToken.None).Tls,
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var getter = OpenSslStream.AsClient(dialer, client.OpenSslContext, server.NodeId, (IPEndPoint)dialer.RemoteEndPoint!, CancellationToken.None);
        return (serverSide.GetAwaiter().GetResult(), getter);
    }

    // TLS as SslStream runs it, records gathered by .NET's BufferedStream.
    private static (Stream Provider, Stream Getter) SslStreamPair(Socket accepted, Socket dialer, NodeCertificate server, NodeCertificate client)
    {
        var provider = new SslStream(new BufferedStream(new NetworkStream(accepted, ownsSocket: false), BufferBytes));
        var getter = new SslStream(new BufferedStream(new NetworkStream(dialer, ownsSocket: false), BufferBytes));
        var handshake = Task.Run(() => provider.AuthenticateAsServer(BenchTlsCommand.ServerOptions(server)));
        getter.AuthenticateAsClient(BenchTlsCommand.ClientOptions(client));
        handshake.GetAwaiter().GetResult();
        return (provider, getter);
    }

    // The provider: read, hash, encrypt and send, in turn, on this one thread.
    private static void Send(string file, Hash expected, Stream tls, Socket socket)
    {
        try
        {
            var piece = GC.AllocateUninitializedArray<byte>(PieceBytes, pinned: true);
            var hasher = Hasher.New();
            using (var handle = File.OpenHandle(file))
            {
                int n;
                for (long offset = 0; (n = RandomAccess.Read(handle, piece, offset)) > 0; offset += n)
                {
                    hasher.Update(piece.AsSpan(0, n));
                    tls.Write(piece, 0, n);
                    tls.Flush();
                }
            }
            if (hasher.Finalize() != expected)
                throw new InvalidOperationException($"the minimal pipeline's provider read something else than {file}");
        }
        finally
        {
            // The end of the stream, also after a failure: the getter must not wait for more.
            socket.Shutdown(SocketShutdown.Send);
        }
    }

    // The getter: receive and decrypt into an aligned block, hash it, hand it to the direct writer (which writes behind), in turn.
    private static Hash Receive(Stream tls, string target)
    {
        var hasher = Hasher.New();
        using var buffered = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        using var direct = DirectWriter.TryOpen(target, buffered.SafeFileHandle);
        long offset = 0;
        while (true)
        {
            using var block = AlignedBlock.Rent(AlignedBlock.UnitBytes);
            var memory = block.Memory;
            var filled = 0;
            int n;
            while (filled < memory.Length && (n = tls.Read(memory.Span[filled..])) > 0)
                filled += n;
            if (filled == 0)
                break;
            hasher.Update(memory.Span[..filled]);
            if (direct is not null)
                direct.WriteFrom(offset, memory[..filled], block);
            else
                RandomAccess.Write(buffered.SafeFileHandle, memory.Span[..filled], offset);
            offset += filled;
            if (filled < memory.Length)
                break;
        }
        direct?.Drain();
        buffered.Flush(flushToDisk: true);
        return hasher.Finalize();
    }
}
