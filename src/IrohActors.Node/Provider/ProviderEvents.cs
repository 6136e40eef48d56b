using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;

namespace IrohActors.Node.Provider;

/// <summary>Base of the events a provider publishes on the actor system's event stream (one request = one id).</summary>
/// <param name="RequestId">Unique per provider.</param>
/// <param name="Peer">The requesting node.</param>
public abstract record ProviderEvent(long RequestId, NodeId Peer);

/// <summary>A request was admitted and is being served.</summary>
/// <param name="RequestId">Unique per provider.</param>
/// <param name="Peer">The requesting node.</param>
/// <param name="Request">What was asked.</param>
public sealed record ProviderRequestStarted(long RequestId, NodeId Peer, BlobRequest Request) : ProviderEvent(RequestId, Peer);

/// <summary>Progress: <paramref name="TotalBytes"/> went out so far on the request, the latest while sending <paramref name="Hash"/>.</summary>
/// <param name="RequestId">Unique per provider.</param>
/// <param name="Peer">The requesting node.</param>
/// <param name="Hash">The blob being sent.</param>
/// <param name="TotalBytes">Bytes of the response written so far.</param>
public sealed record ProviderBytesSent(long RequestId, NodeId Peer, Hash Hash, long TotalBytes) : ProviderEvent(RequestId, Peer);

/// <summary>The response was written completely.</summary>
/// <param name="RequestId">Unique per provider.</param>
/// <param name="Peer">The requesting node.</param>
/// <param name="TotalBytes">Bytes of the response.</param>
/// <param name="Elapsed">Time from admission to the end.</param>
public sealed record ProviderRequestCompleted(long RequestId, NodeId Peer, long TotalBytes, TimeSpan Elapsed) : ProviderEvent(RequestId, Peer);

/// <summary>The request was refused or failed.</summary>
/// <param name="RequestId">Unique per provider.</param>
/// <param name="Peer">The requesting node.</param>
/// <param name="Code">The error code sent, or null when the stream broke (peer gone, reset).</param>
/// <param name="Reason">What happened.</param>
public sealed record ProviderRequestFailed(long RequestId, NodeId Peer, ErrorCode? Code, string Reason) : ProviderEvent(RequestId, Peer);
