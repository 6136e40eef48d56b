using IrohActors.Actors;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Provider;

/// <summary>An incoming request stream to admit or refuse (sent by the node's connection loops).</summary>
/// <param name="Stream">The stream; its request header holds the request.</param>
public sealed record ServeStream(MuxStream Stream);

/// <summary>Asks a <see cref="ProviderActor"/> for its counters; the reply is <see cref="ProviderStats"/>.</summary>
public sealed record GetProviderStats
{
    /// <summary>The message.</summary>
    public static GetProviderStats Instance { get; } = new();
}

/// <summary>A provider's counters.</summary>
/// <param name="Active">Requests being served now.</param>
/// <param name="Admitted">Requests admitted since start.</param>
/// <param name="Refused">Requests refused (policy, limits, malformed) since start.</param>
public sealed record ProviderStats(int Active, long Admitted, long Refused);

/// <summary>
/// Admits or refuses each incoming request (access policy, request size, concurrency per peer and in total,
/// decoding) and serves admitted ones from the store in the background. It owns the counters; every refusal is
/// an error frame to the requester and a <see cref="ProviderRequestFailed"/> event, and the connection keeps
/// serving other requests.
/// </summary>
public sealed class ProviderActor : ReceiveActor
{
    private readonly ProviderOptions _options;
    private readonly RequestHandler _handler;
    private readonly Dictionary<NodeId, int> _perPeer = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _active;
    private long _nextId;
    private long _admitted;
    private long _refused;

    /// <summary>Creates the provider serving <paramref name="store"/>.</summary>
    public ProviderActor(IBlobStore store, ProviderOptions options)
    {
        options.Validate();
        _options = options;
        var events = Context.System.EventStream;
        _handler = new RequestHandler(store, options, events.Publish);
        Receive<ServeStream>(Admit);
        Receive<RequestFinished>(Finished);
        Receive<GetProviderStats>(_ => Sender.Tell(new ProviderStats(_active, _admitted, _refused), Self));
    }

    /// <summary>The recipe.</summary>
    public static Props Props(IBlobStore store, ProviderOptions options) => Actors.Props.Create(() => new ProviderActor(store, options));

    /// <inheritdoc />
    protected override void PostStop()
    {
        _stopping.Cancel();
        base.PostStop();
    }

    private void Admit(ServeStream message)
    {
        var stream = message.Stream;
        var peer = stream.Connection.RemoteNodeId;
        var id = ++_nextId;
        var header = stream.RequestHeader.Span;
        if (!_options.Access.Allows(peer))
        {
            Refuse(id, peer, stream, ErrorCode.Permission, $"node {peer} is not on this provider's allow-list");
            return;
        }
        if (header.Length > _options.MaxRequestSize)
        {
            Refuse(id, peer, stream, ErrorCode.Limit, $"request of {header.Length} bytes exceeds the limit of {_options.MaxRequestSize}");
            return;
        }
        _perPeer.TryGetValue(peer, out var mine);
        if (mine >= _options.MaxConcurrentRequestsPerPeer)
        {
            Refuse(id, peer, stream, ErrorCode.Limit, $"node {peer} already has {mine} requests running (limit {_options.MaxConcurrentRequestsPerPeer})");
            return;
        }
        if (_active >= _options.MaxConcurrentRequests)
        {
            Refuse(id, peer, stream, ErrorCode.Limit, $"{_active} requests are running (limit {_options.MaxConcurrentRequests})");
            return;
        }
        BlobRequest request;
        try
        {
            request = RequestCodec.Decode(header);
        }
        catch (MalformedRequestException e)
        {
            Refuse(id, peer, stream, ErrorCode.BadRequest, e.Message);
            return;
        }
        _perPeer[peer] = mine + 1;
        _active++;
        _admitted++;
        var self = Self;
        var token = _stopping.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await _handler.ServeAsync(id, peer, stream, request, token).ConfigureAwait(false);
            }
            finally
            {
                self.Tell(new RequestFinished(peer), ActorRefs.NoSender);
            }
        }, CancellationToken.None);
    }

    private void Refuse(long id, NodeId peer, MuxStream stream, ErrorCode code, string reason)
    {
        _refused++;
        Context.System.EventStream.Publish(new ProviderRequestFailed(id, peer, code, reason));
        _ = RequestHandler.RefuseAsync(stream, code, reason);
    }

    private void Finished(RequestFinished message)
    {
        _active--;
        if (_perPeer.TryGetValue(message.Peer, out var n) && n > 1)
            _perPeer[message.Peer] = n - 1;
        else
            _perPeer.Remove(message.Peer);
    }

    private sealed record RequestFinished(NodeId Peer);
}
