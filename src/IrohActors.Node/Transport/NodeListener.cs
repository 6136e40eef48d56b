using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace IrohActors.Node.Transport;

/// <summary>
/// Accepts TCP connections, authenticates each (mutual TLS; a dialer without a valid node certificate is
/// refused) and hands it to the handler with the dialer's proven node id in <see cref="NodeConnection.RemoteNodeId"/>.
/// </summary>
public sealed class NodeListener : IAsyncDisposable
{
    private readonly NodeEndpoint _endpoint;
    private readonly Func<NodeConnection, CancellationToken, Task> _handler;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<NodeConnection, byte> _live = new();
    private readonly Task _acceptLoop;

    internal NodeListener(NodeEndpoint endpoint, IPEndPoint bind, Func<NodeConnection, CancellationToken, Task> handler)
    {
        _endpoint = endpoint;
        _handler = handler;
        _socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _socket.Bind(bind);
            _socket.Listen(endpoint.Options.ListenBacklog);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The bound address (with the chosen port when bound to port 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Raised when an incoming connection fails authentication or the hello, with the dialer's address and the reason.</summary>
    public event Action<IPEndPoint, Exception>? HandshakeFailed;

    /// <summary>Stops accepting and closes every connection still open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_live.Keys.Select(c => c.CloseAsync(CloseCode.Normal, "listener stopped"))).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // e.g. a connection reset before we accepted it
            }
            _ = Task.Run(() => HandleAsync(accepted));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        IPEndPoint remote;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            socket.NoDelay = true;
        }
        catch (SocketException)
        {
            socket.Dispose(); // reset before we looked at it
            return;
        }
        NodeConnection? connection = null;
        var options = _endpoint.Options;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(options.ConnectTimeout);
            if (options.ConnectionThreads)
            {
                connection = await ConnectionThread.StartAsync($"iroh accept {remote}", socket, () =>
                {
                    if (options.UsesOpenSsl)
                    {
                        var (direct, dialer) = OpenSsl.OpenSslStream.AsServer(socket, _endpoint.Certificate.OpenSslContext, remote, timeout.Token, options.ReadRecordsItself, options.WriteRecordsItself);
                        connection = new NodeConnection(direct, socket, _endpoint.NodeId, dialer, remote, isDialer: false, direct.NegotiatedCipherSuite, options, coalescer: null, ownReadThread: true);
                    }
                    else
                    {
                        var coalescer = new CoalescingTransport(new PolledSocketStream(socket));
                        var (tls, remoteId) = TlsHandshake.AsServerAsync(coalescer, _endpoint.Certificate, remote, timeout.Token).GetAwaiter().GetResult();
                        connection = new NodeConnection(tls, socket, _endpoint.NodeId, remoteId, remote, isDialer: false, tls.NegotiatedCipherSuite, options, coalescer, ownReadThread: true);
                    }
                    connection.StartAsync(timeout.Token).GetAwaiter().GetResult();
                    return connection;
                }, c => c.RunReadLoop(), timeout.Token).ConfigureAwait(false);
            }
            else
            {
                var coalescer = new CoalescingTransport(new NetworkStream(socket, ownsSocket: true));
                var (tls, remoteId) = await TlsHandshake.AsServerAsync(coalescer, _endpoint.Certificate, remote, timeout.Token)
                    .ConfigureAwait(false);
                connection = new NodeConnection(tls, socket, _endpoint.NodeId, remoteId, remote, isDialer: false, tls.NegotiatedCipherSuite, options, coalescer);
                await connection.StartAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            connection?.Abort("handshake failed");
            socket.Dispose();
            if (!_stop.IsCancellationRequested)
                HandshakeFailed?.Invoke(remote, e is OperationCanceledException
                    ? new TimeoutException($"dialer {remote} did not finish the handshake within {options.ConnectTimeout.TotalMilliseconds:0} ms", e)
                    : e);
            return;
        }
        _live.TryAdd(connection, 0);
        _ = connection.Completion.ContinueWith(t => _live.TryRemove(connection, out _), TaskScheduler.Default);
        if (_stop.IsCancellationRequested)
        {
            await connection.CloseAsync(CloseCode.Normal, "listener stopped").ConfigureAwait(false);
            return;
        }
        try
        {
            await _handler(connection, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await connection.CloseAsync(CloseCode.Internal, "connection handler failed: " + e.Message).ConfigureAwait(false);
        }
    }
}
