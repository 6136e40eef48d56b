using IrohActors.Actors;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Peers;

/// <summary>
/// Owns the connection to one remote node (<c>/user/node/peers/&lt;node-id&gt;</c>): connects on the first
/// request, hands the connection to every asker, notices when it closes, reconnects in the background with
/// exponential backoff after an unexpected loss, and tracks bytes and round-trip time from the transport.
/// </summary>
public sealed class PeerConnectionActor : ReceiveActor, IWithTimers
{
    private readonly NodeEndpoint _endpoint;
    private readonly PeerOptions _options;
    private readonly List<IActorRef> _waiting = [];
    private NodeAddr _address;
    private NodeConnection? _connection;
    private bool _connecting;
    private long _bytesSentBefore;
    private long _bytesReceivedBefore;
    private int _connects;
    private int _failures;

    /// <summary>Creates the actor for <paramref name="address"/>.</summary>
    public PeerConnectionActor(NodeEndpoint endpoint, NodeAddr address, PeerOptions options)
    {
        _endpoint = endpoint;
        _address = address;
        _options = options;
        Receive<GetPeerConnection>(OnGet);
        Receive<Connected>(OnConnected);
        Receive<ConnectFailed>(OnConnectFailed);
        Receive<ConnectionLost>(OnLost);
        Receive<Reconnect>(_ => StartConnect());
        Receive<GetPeerStats>(_ => Sender.Tell(Stats(), Self));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The recipe.</summary>
    public static Props Props(NodeEndpoint endpoint, NodeAddr address, PeerOptions options) =>
        Actors.Props.Create(() => new PeerConnectionActor(endpoint, address, options));

    /// <inheritdoc />
    protected override void PostStop()
    {
        if (_connection is { } c)
            _ = c.CloseAsync(CloseCode.Normal, "peer actor stopped");
        base.PostStop();
    }

    private void OnGet(GetPeerConnection message)
    {
        // Newer addresses win: a ticket may carry where the node listens now.
        if (message.Address.DirectAddresses.Count > 0)
            _address = message.Address;
        if (_connection is { } live)
        {
            if (!live.IsClosing)
            {
                Sender.Tell(new PeerConnected(live), Self);
                return;
            }
            // Closing (by us, or the peer sent GOAWAY): it opens no new streams, and may take up to the close timeout to
            // end. A new connection is dialed now; the old one's end, when it comes, is no longer ours to handle.
            Retire(live);
        }
        _waiting.Add(Sender);
        Timers.Cancel(ReconnectKey);
        StartConnect();
    }

    private void StartConnect()
    {
        if (_connecting || _connection is not null)
            return;
        _connecting = true;
        _endpoint.ConnectAsync(_address).PipeTo(Self, Self, c => new Connected(c), e => new ConnectFailed(e));
    }

    private void OnConnected(Connected message)
    {
        _connecting = false;
        _connection = message.Connection;
        _connects++;
        _failures = 0;
        var self = Self;
        var connection = message.Connection;
        connection.Completion.ContinueWith(t => self.Tell(new ConnectionLost(connection, t.Result), ActorRefs.NoSender), TaskScheduler.Default);
        foreach (var waiter in _waiting)
            waiter.Tell(new PeerConnected(connection), Self);
        _waiting.Clear();
    }

    private void OnConnectFailed(ConnectFailed message)
    {
        _connecting = false;
        _failures++;
        var error = message.Error is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : message.Error;
        foreach (var waiter in _waiting)
            waiter.Tell(new Status.Failure(error), Self);
        var retry = _waiting.Count == 0 && _failures <= _options.MaxReconnectAttempts && error is not PeerAuthenticationException;
        _waiting.Clear();
        if (retry)
            Timers.StartSingleTimer(ReconnectKey, Reconnect.Instance, Backoff());
    }

    private void Retire(NodeConnection connection)
    {
        _bytesSentBefore += connection.BytesSent;
        _bytesReceivedBefore += connection.BytesReceived;
        _connection = null;
    }

    private void OnLost(ConnectionLost message)
    {
        if (!ReferenceEquals(message.Connection, _connection))
            return;
        Retire(message.Connection);
        // Idle and normal closes are deliberate; only a lost connection is re-established eagerly.
        if (message.Reason.Code is not (CloseCode.Idle or CloseCode.Normal))
            Timers.StartSingleTimer(ReconnectKey, Reconnect.Instance, Backoff());
    }

    private TimeSpan Backoff()
    {
        var factor = Math.Pow(2, Math.Min(_failures, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.MaxBackoff.Ticks, _options.MinBackoff.Ticks * factor));
        return delay;
    }

    private PeerStats Stats()
    {
        var c = _connection;
        return new PeerStats(_address.NodeId, c is not null,
            _bytesSentBefore + (c?.BytesSent ?? 0), _bytesReceivedBefore + (c?.BytesReceived ?? 0), c?.LatestRtt, _connects, _failures);
    }

    private const string ReconnectKey = "reconnect";

    private sealed record Connected(NodeConnection Connection);

    private sealed record ConnectFailed(Exception Error);

    private sealed record ConnectionLost(NodeConnection Connection, ConnectionClosedException Reason);

    private sealed record Reconnect
    {
        public static Reconnect Instance { get; } = new();
    }
}
