using System.Net;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>
/// A node's transport: listens for and dials authenticated TLS connections with its secret key. The
/// certificate is made from the key on the fly and renewed when a quarter of its validity is left.
/// </summary>
public sealed class NodeEndpoint : IDisposable
{
    private readonly SecretKey _key;
    private readonly object _gate = new();
    private readonly Dialer _dialer;
    private NodeCertificate _certificate;

    /// <summary>Creates an endpoint for <paramref name="key"/>, which the caller keeps owning.</summary>
    public NodeEndpoint(SecretKey key, TransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        Options = options ?? new TransportOptions();
        Options.Validate();
        _key = key;
        _certificate = NodeCertificate.Create(key);
        _dialer = new Dialer(this);
    }

    /// <summary>This node's id.</summary>
    public NodeId NodeId => _key.NodeId;

    /// <summary>Timeouts and limits.</summary>
    public TransportOptions Options { get; }

    /// <summary>The certificate presented in handshakes, renewed before it expires.</summary>
    internal NodeCertificate Certificate
    {
        get
        {
            lock (_gate)
            {
                var left = _certificate.NotAfter - DateTimeOffset.UtcNow;
                if (left < NodeCertificate.DefaultValidity / 4)
                    // The old certificate may be in a handshake right now; the GC releases it.
                    _certificate = NodeCertificate.Create(_key);
                return _certificate;
            }
        }
    }

    /// <summary>
    /// Starts accepting connections on <paramref name="bind"/> (port 0 picks a free port). Each connection is
    /// authenticated, then given to <paramref name="onConnection"/>, which owns it from then on; the listener
    /// closes the connections still open when it is disposed.
    /// </summary>
    public NodeListener Listen(IPEndPoint bind, Func<NodeConnection, CancellationToken, Task> onConnection)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(onConnection);
        return new NodeListener(this, bind, onConnection);
    }

    /// <summary>Dials <paramref name="address"/>: tries its direct addresses in order, each within the connect timeout.</summary>
    /// <exception cref="PeerIdentityMismatchException">An address answered with a different node id.</exception>
    /// <exception cref="ConnectTimeoutException">The only address did not answer in time.</exception>
    /// <exception cref="NodeConnectException">Several addresses failed, or the only one refused or was unreachable (each error is listed with its address).</exception>
    public Task<NodeConnection> ConnectAsync(NodeAddr address, CancellationToken cancellationToken = default) =>
        _dialer.ConnectAsync(address, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
            _certificate.Dispose();
    }
}
