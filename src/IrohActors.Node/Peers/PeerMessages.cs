using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Peers;

/// <summary>
/// Asks for a live connection to a node: to the peers actor (which routes it to, or creates,
/// <c>/user/node/peers/&lt;node-id&gt;</c>) or to a <see cref="PeerConnectionActor"/> directly. The reply is
/// <see cref="PeerConnected"/>, or <c>Status.Failure</c> with the connect error.
/// </summary>
/// <param name="Address">The node and its direct addresses.</param>
public sealed record GetPeerConnection(NodeAddr Address);

/// <summary>The reply to <see cref="GetPeerConnection"/>: the connection (owned by the peer actor; do not dispose it).</summary>
/// <param name="Connection">The authenticated, multiplexed connection.</param>
public sealed record PeerConnected(NodeConnection Connection);

/// <summary>Asks a <see cref="PeerConnectionActor"/> for its counters; the reply is <see cref="PeerStats"/>.</summary>
public sealed record GetPeerStats
{
    /// <summary>The message.</summary>
    public static GetPeerStats Instance { get; } = new();
}

/// <summary>What a peer actor knows of its connection.</summary>
/// <param name="NodeId">The peer.</param>
/// <param name="Connected">True while a connection is open.</param>
/// <param name="BytesSent">Bytes sent on all connections to the peer so far (TLS records included).</param>
/// <param name="BytesReceived">Bytes received on all connections so far.</param>
/// <param name="LatestRtt">The latest keep-alive round trip, if any.</param>
/// <param name="Connects">Connections made so far (reconnects included).</param>
/// <param name="FailedAttempts">Connect attempts that failed since the last success.</param>
public sealed record PeerStats(NodeId NodeId, bool Connected, long BytesSent, long BytesReceived, TimeSpan? LatestRtt, int Connects, int FailedAttempts);

/// <summary>How a peer actor reconnects.</summary>
public sealed record PeerOptions
{
    /// <summary>First reconnect delay after an unexpected loss or a failed attempt.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The delay doubles up to this.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Background reconnect attempts after a loss before waiting for the next request.</summary>
    public int MaxReconnectAttempts { get; init; } = 5;
}

/// <summary>Asks the peers actor for the <see cref="PeerConnectionActor"/> of a node; the reply is the actor's reference, or <see cref="IrohActors.Actors.ActorRefs.Nobody"/>.</summary>
/// <param name="NodeId">The node.</param>
public sealed record GetPeerActor(NodeId NodeId);
