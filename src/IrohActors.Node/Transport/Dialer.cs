using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>Opens outgoing connections: TCP connect, TLS handshake checking the expected node id, then the mux hello.</summary>
internal sealed class Dialer
{
    private readonly NodeEndpoint _endpoint;

    public Dialer(NodeEndpoint endpoint) => _endpoint = endpoint;

    public async Task<NodeConnection> ConnectAsync(NodeAddr address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.NodeId.IsDefault)
            throw new ArgumentException("the node address has no node id", nameof(address));
        var failures = new List<(IPEndPoint, Exception)>();
        foreach (var endPoint in address.DirectAddresses)
        {
            try
            {
                return await ConnectOneAsync(address.NodeId, endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add((endPoint, e));
            }
        }
        var mismatch = failures.Select(f => f.Item2).OfType<PeerIdentityMismatchException>().FirstOrDefault();
        if (mismatch != null)
            throw mismatch;
        // A single failure that already names the node and address (a timeout, a handshake error) stays as it is; a bare
        // socket error ("Connection refused") is wrapped, so that the message says which node and address refused.
        if (failures.Count == 1 && failures[0].Item2 is not System.Net.Sockets.SocketException)
            ExceptionDispatchInfo.Throw(failures[0].Item2);
        throw new NodeConnectException(address.NodeId, failures);
    }

    private async Task<NodeConnection> ConnectOneAsync(NodeId expected, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var options = _endpoint.Options;
        using var timeout = new CancellationTokenSource(options.ConnectTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var stage = "TCP connect";
        NodeConnection? connection = null;
        try
        {
            if (options.ConnectionThreads)
            {
                return await ConnectionThread.StartAsync($"iroh dial {endPoint}", socket, () =>
                {
                    PolledSocketStream.Connect(socket, endPoint, linked.Token);
                    stage = "the TLS handshake";
                    if (options.UsesOpenSsl)
                    {
                        var direct = OpenSsl.OpenSslStream.AsClient(socket, _endpoint.Certificate.OpenSslContext, expected, endPoint, linked.Token, options.ReadRecordsItself, options.WriteRecordsItself);
                        stage = "the mux hello";
                        connection = new NodeConnection(direct, socket, _endpoint.NodeId, expected, endPoint, isDialer: true, direct.NegotiatedCipherSuite, options, coalescer: null, ownReadThread: true);
                    }
                    else
                    {
                        var coalescer = new CoalescingTransport(new PolledSocketStream(socket));
                        var tls = TlsHandshake.AsClientAsync(coalescer, _endpoint.Certificate, expected, endPoint, linked.Token).GetAwaiter().GetResult();
                        stage = "the mux hello";
                        connection = new NodeConnection(tls, socket, _endpoint.NodeId, expected, endPoint, isDialer: true, tls.NegotiatedCipherSuite, options, coalescer, ownReadThread: true);
                    }
                    connection.StartAsync(linked.Token).GetAwaiter().GetResult();
                    return connection;
                }, c => c.RunReadLoop(), linked.Token).ConfigureAwait(false);
            }
            await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
            stage = "the TLS handshake";
            var coalescer = new CoalescingTransport(new NetworkStream(socket, ownsSocket: true));
            var tls = await TlsHandshake.AsClientAsync(coalescer, _endpoint.Certificate, expected, endPoint, linked.Token)
                .ConfigureAwait(false);
            stage = "the mux hello";
            connection = new NodeConnection(tls, socket, _endpoint.NodeId, expected, endPoint, isDialer: true, tls.NegotiatedCipherSuite, options, coalescer);
            await connection.StartAsync(linked.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Cleanup();
            throw new ConnectTimeoutException(expected, endPoint, options.ConnectTimeout, stage);
        }
        catch
        {
            Cleanup();
            throw;
        }

        void Cleanup()
        {
            if (connection != null)
                connection.Abort($"failed during {stage}");
            socket.Dispose();
        }
    }
}
