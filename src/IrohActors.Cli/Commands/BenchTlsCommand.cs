using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;
using IrohActors.Node.Transport.OpenSsl;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bench tls</c>: bulk throughput over 127.0.0.1 of the multiplexed node transport next to its anchor,
/// a bare SslStream with the same TLS settings and certificates, measured interleaved in the same run.
/// </summary>
internal static class BenchTlsCommand
{
    private const int WriteSize = 256 * 1024;

    public static Command Create()
    {
        var sizeMiB = new Option<int>("--size-mib") { Description = "Bytes to move per run, in MiB.", DefaultValueFactory = _ => 1024 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds; medians are reported.", DefaultValueFactory = _ => 3 };
        var window = new Option<int>("--window-kib") { Description = "Per-stream flow-control window of the mux, in KiB.", DefaultValueFactory = _ => new TransportOptions().StreamReceiveWindow / 1024 };
        var streams = new Option<int>("--streams") { Description = "Also run the mux with this many parallel streams (0 to skip).", DefaultValueFactory = _ => 4 };
        var command = new Command("tls", "1 GiB over 127.0.0.1: the node transport (TLS 1.3 + stream mux) against a bare SslStream, same run.");
        command.Options.Add(sizeMiB);
        command.Options.Add(rounds);
        command.Options.Add(streams);
        command.Options.Add(window);
        command.SetAction(async (parse, ct) =>
        {
            var bytes = (long)parse.GetValue(sizeMiB) * 1024 * 1024;
            var options = new TransportOptions { IdleTimeout = Timeout.InfiniteTimeSpan, StreamReceiveWindow = parse.GetValue(window) * 1024 };
            return await RunAsync(bytes, Math.Max(1, parse.GetValue(rounds)), parse.GetValue(streams), options, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(long bytes, int rounds, int parallel, TransportOptions options, CancellationToken ct)
    {
        using var serverKey = SecretKey.Generate();
        using var clientKey = SecretKey.Generate();
        using var serverCertificate = NodeCertificate.Create(serverKey);
        using var clientCertificate = NodeCertificate.Create(clientKey);
        using var server = new NodeEndpoint(serverKey, options);
        using var client = new NodeEndpoint(clientKey, options);
        var incoming = System.Threading.Channels.Channel.CreateUnbounded<NodeConnection>();
        await using var listener = server.Listen(new IPEndPoint(IPAddress.Loopback, 0), (c, _) =>
        {
            incoming.Writer.TryWrite(c);
            return Task.CompletedTask;
        });
        await using var connection = await client.ConnectAsync(new NodeAddr(server.NodeId, listener.LocalEndPoint), ct);
        var serverSide = await incoming.Reader.ReadAsync(ct);
        var payload = new byte[WriteSize];
        Random.Shared.NextBytes(payload);

        var raw = new List<double>();
        var rawCpu = new List<double>();
        var gathered = new List<double>();
        var gatheredCpu = new List<double>();
        var openSsl = new List<(double Seconds, double Cpu)>();
        var mux = new List<(double Seconds, double Cpu)>();
        var muxParallel = new List<(double Seconds, double Cpu)>();
        string suite = "?";
        Console.WriteLine($"bench tls: {bytes / (1024.0 * 1024 * 1024):0.##} GiB over 127.0.0.1, {WriteSize / 1024} KiB writes, {options.StreamReceiveWindow / 1024} KiB stream window, {rounds} interleaved rounds (medians)");
        for (var round = 0; round < rounds; round++)
        {
            var (seconds, cpu, negotiated) = await RawAsync(serverCertificate, clientCertificate, payload, bytes, gather: false, ct);
            raw.Add(seconds);
            rawCpu.Add(cpu);
            (seconds, cpu, _) = await RawAsync(serverCertificate, clientCertificate, payload, bytes, gather: true, ct);
            gathered.Add(seconds);
            gatheredCpu.Add(cpu);
            if (LibSsl.IsAvailable)
                openSsl.Add(await Task.Factory.StartNew(() => RawOpenSsl(serverCertificate, clientCertificate, payload, bytes), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            suite = negotiated.ToString();
            mux.Add(await MuxAsync(connection, serverSide, payload, bytes, 1, ct));
            if (parallel > 1)
                muxParallel.Add(await MuxAsync(connection, serverSide, payload, bytes, parallel, ct));
        }
        var anchor = Medians.Of(raw);
        Console.WriteLine($"  cipher suite: {suite} (mux: {connection.CipherSuite})");
        Report("raw SslStream (anchor)", anchor, bytes, null);
        Console.WriteLine($"  {"",-26} cpu {Medians.Of(rawCpu):0.00} s (both ends, this process)");
        Report("raw, records gathered", Medians.Of(gathered), bytes, anchor);
        Console.WriteLine($"  {"",-26} cpu {Medians.Of(gatheredCpu):0.00} s (SslStream on the node's CoalescingTransport)");
        if (openSsl.Count > 0)
        {
            Report("raw OpenSSL (node's TLS)", Medians.Of(openSsl.Select(m => m.Seconds)), bytes, anchor);
            Console.WriteLine($"  {"",-26} cpu {Medians.Of(openSsl.Select(m => m.Cpu)):0.00} s (OpenSSL called directly, as connections with their own thread run it)");
        }
        Report("node mux, 1 stream", Medians.Of(mux.Select(m => m.Seconds)), bytes, anchor);
        Console.WriteLine($"  {"",-26} cpu {Medians.Of(mux.Select(m => m.Cpu)):0.00} s");
        if (muxParallel.Count > 0)
        {
            Report($"node mux, {parallel} streams", Medians.Of(muxParallel.Select(m => m.Seconds)), bytes, anchor);
            Console.WriteLine($"  {"",-26} cpu {Medians.Of(muxParallel.Select(m => m.Cpu)):0.00} s");
        }
        Console.WriteLine($"  latest keep-alive RTT: {connection.LatestRtt?.TotalMilliseconds.ToString("0.000") ?? "-"} ms");
        return 0;
    }

    private static void Report(string name, double seconds, long bytes, double? anchor)
    {
        var ratio = anchor is { } a ? $"  {seconds / a:0.00}x the anchor's time" : "";
        Console.WriteLine($"  {name,-26} {seconds,7:0.000} s  {bytes / seconds / 1e9,6:0.00} GB/s{ratio}");
    }

    /// <summary>
    /// Moves <paramref name="bytes"/> through a bare SslStream over 127.0.0.1 with the node's TLS settings (TLS 1.3,
    /// AES-128-GCM first, mutual certificates), <paramref name="payload"/> at a time; returns the wall time and this
    /// process's CPU time (both ends) from the first write until the receiver has everything. With
    /// <paramref name="gather"/>, both ends sit on the node's <see cref="CoalescingTransport"/>: each write's TLS records
    /// leave in 256 KiB socket writes and reads are served from a 256 KiB read-ahead, as in the node.
    /// </summary>
    internal static async Task<(double Seconds, double Cpu, TlsCipherSuite Suite)> RawAsync(NodeCertificate serverCertificate, NodeCertificate clientCertificate,
        byte[] payload, long bytes, bool gather, CancellationToken ct)
    {
        var (seconds, cpu, suite) = await TransferAsync((serverCertificate, clientCertificate), payload, bytes, gather, ct);
        return (seconds, cpu, suite!.Value);
    }

    /// <summary>
    /// <see cref="RawAsync"/> with OpenSSL called directly (<see cref="OpenSslStream"/>, the node's TLS where libssl.so.3
    /// loads): one thread per end, each doing its own handshake, then the sender writes <paramref name="payload"/> at a
    /// time and the receiver reads 256 KiB at a time; the wall and CPU time from the first write until the receiver has everything.
    /// </summary>
    internal static (double Seconds, double Cpu) RawOpenSsl(NodeCertificate serverCertificate, NodeCertificate clientCertificate, byte[] payload, long bytes)
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(1);
        var dialer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listen.AcceptAsync();
        PolledSocketStream.Connect(dialer, listen.LocalEndPoint!, CancellationToken.None);
        var accepted = accepting.GetAwaiter().GetResult();
        accepted.NoDelay = true;
        using var go = new ManualResetEventSlim();
        var receiver = Task.Factory.StartNew(() =>
        {
            using var tls = OpenSslStream.AsServer(accepted, serverCertificate.OpenSslContext, (IPEndPoint)accepted.RemoteEndPoint!, CancellationToken.None).Tls;
            go.Set();
            var buffer = new byte[WriteSize];
            long total = 0;
            int n;
            while ((n = tls.Read(buffer)) > 0)
                total += n;
            return total;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using var sender = OpenSslStream.AsClient(dialer, clientCertificate.OpenSslContext, serverCertificate.NodeId, (IPEndPoint)dialer.RemoteEndPoint!, CancellationToken.None);
        go.Wait();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (long sent = 0; sent < bytes; sent += payload.Length)
            sender.Write(payload, 0, (int)Math.Min(payload.Length, bytes - sent));
        sender.ShutdownAsync().GetAwaiter().GetResult();
        var received = receiver.GetAwaiter().GetResult();
        var seconds = watch.Elapsed.TotalSeconds;
        self.Refresh();
        if (received != bytes)
            throw new InvalidOperationException($"raw OpenSSL: received {received} of {bytes} bytes");
        return (seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>
    /// <see cref="RawAsync"/> without TLS: <paramref name="bytes"/> over plain TCP on 127.0.0.1, <paramref name="payload"/> at a
    /// time; the wall time and this process's CPU time (both ends). What TLS adds is the difference.
    /// </summary>
    internal static async Task<(double Seconds, double Cpu)> PlainAsync(byte[] payload, long bytes, CancellationToken ct)
    {
        var (seconds, cpu, _) = await TransferAsync(null, payload, bytes, gather: false, ct);
        return (seconds, cpu);
    }

    // Both ends in this process: TLS over the sockets when given certificates, the sockets' streams alone when not.
    private static async Task<(double Seconds, double Cpu, TlsCipherSuite? Suite)> TransferAsync((NodeCertificate Server, NodeCertificate Client)? certificates,
        byte[] payload, long bytes, bool gather, CancellationToken ct)
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(1);
        var accept = Task.Run(async () =>
        {
            using var socket = await listen.AcceptAsync(ct);
            socket.NoDelay = true;
            Stream inner = new NetworkStream(socket, ownsSocket: false);
            if (gather)
                inner = new CoalescingTransport(inner);
            await using var stream = certificates is not null ? new SslStream(inner) : inner;
            if (stream is SslStream tls)
            {
                await tls.AuthenticateAsServerAsync(ServerOptions(certificates!.Value.Server), ct);
            }
            var buffer = new byte[WriteSize];
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0)
                total += n;
            return total;
        }, ct);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(listen.LocalEndPoint!, ct);
        var network = new NetworkStream(socket, ownsSocket: false);
        var coalescing = gather ? new CoalescingTransport(network) : null;
        var transport = coalescing ?? (Stream)network;
        await using var stream = certificates is not null ? new SslStream(transport) : transport;
        if (stream is SslStream client)
        {
            await client.AuthenticateAsClientAsync(ClientOptions(certificates!.Value.Client), ct);
        }
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (long sent = 0; sent < bytes; sent += payload.Length)
        {
            coalescing?.BeginBatch();
            await stream.WriteAsync(payload.AsMemory(0, (int)Math.Min(payload.Length, bytes - sent)), ct);
            if (coalescing is not null)
                await coalescing.EndBatchAsync(ct);
        }
        if (stream is SslStream sender)
            await sender.ShutdownAsync();
        socket.Shutdown(SocketShutdown.Send);
        var received = await accept;
        var seconds = watch.Elapsed.TotalSeconds;
        self.Refresh();
        if (received != bytes)
            throw new InvalidOperationException($"{(certificates is null ? "plain" : "raw")}: received {received} of {bytes} bytes");
        return (seconds, (self.TotalProcessorTime - cpu).TotalSeconds, (stream as SslStream)?.NegotiatedCipherSuite);
    }

    /// <summary>The server side of the anchors' TLS: TLS 1.3, AES-128-GCM, a client certificate required (any, as the anchors only move bytes).</summary>
    internal static SslServerAuthenticationOptions ServerOptions(NodeCertificate certificate) => new()
    {
        EnabledSslProtocols = SslProtocols.Tls13,
        ServerCertificateContext = SslStreamCertificateContext.Create(certificate.Certificate, null, offline: true),
        ClientCertificateRequired = true,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CipherSuitesPolicy = OperatingSystem.IsWindows() ? null : CreatePolicy(),
        RemoteCertificateValidationCallback = (_, c, _, _) => c != null,
    };

    /// <summary>The client side of <see cref="ServerOptions"/>.</summary>
    internal static SslClientAuthenticationOptions ClientOptions(NodeCertificate certificate) => new()
    {
        TargetHost = string.Empty,
        EnabledSslProtocols = SslProtocols.Tls13,
        ClientCertificateContext = SslStreamCertificateContext.Create(certificate.Certificate, null, offline: true),
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        CipherSuitesPolicy = OperatingSystem.IsWindows() ? null : CreatePolicy(),
        RemoteCertificateValidationCallback = (_, c, _, _) => c != null,
    };

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static CipherSuitesPolicy CreatePolicy() => new([TlsCipherSuite.TLS_AES_128_GCM_SHA256]);

    private static async Task<(double Seconds, double Cpu)> MuxAsync(NodeConnection connection, NodeConnection serverSide, byte[] payload, long bytes, int streams, CancellationToken ct)
    {
        var perStream = bytes / streams;
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var readers = Enumerable.Range(0, streams).Select(_ => Task.Run(async () =>
        {
            await using var stream = await serverSide.AcceptStreamAsync(ct);
            var buffer = new byte[WriteSize];
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0)
                total += n;
            await stream.CompleteWritesAsync(ct);
            return total;
        }, ct)).ToArray();
        var writers = Enumerable.Range(0, streams).Select(_ => Task.Run(async () =>
        {
            await using var stream = await connection.OpenStreamAsync(ReadOnlyMemory<byte>.Empty, ct);
            for (long sent = 0; sent < perStream; sent += WriteSize)
                await stream.WriteAsync(payload.AsMemory(0, (int)Math.Min(WriteSize, perStream - sent)), ct);
            await stream.CompleteWritesAsync(ct);
            var end = new byte[1];
            while (await stream.ReadAsync(end, ct) > 0) { }
        }, ct)).ToArray();
        var received = (await Task.WhenAll(readers)).Sum();
        var seconds = watch.Elapsed.TotalSeconds;
        self.Refresh();
        var used = (self.TotalProcessorTime - cpu).TotalSeconds;
        await Task.WhenAll(writers);
        if (received != perStream * streams)
            throw new InvalidOperationException($"mux: received {received} of {perStream * streams} bytes");
        return (seconds, used);
    }
}
