using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Protocol;

/// <summary>The provider answered with an error frame; names the peer, the code and the provider's message.</summary>
public sealed class ProviderErrorException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ProviderErrorException(NodeId peer, ErrorCode code, string providerMessage)
        : base($"provider {peer} refused the request: {code}: {providerMessage}")
    {
        Peer = peer;
        Code = code;
        ProviderMessage = providerMessage;
    }

    /// <summary>The provider.</summary>
    public NodeId Peer { get; }

    /// <summary>The error code.</summary>
    public ErrorCode Code { get; }

    /// <summary>The provider's message.</summary>
    public string ProviderMessage { get; }
}

/// <summary>The response broke the framing rules of protocol v1 (unknown tag, truncated header, bad error frame).</summary>
public sealed class ResponseFormatException : IOException
{
    /// <summary>Creates the exception naming the peer and what was wrong.</summary>
    public ResponseFormatException(NodeId peer, string reason, Exception? inner = null)
        : base($"response from {peer}: {reason}", inner) => Peer = peer;

    /// <summary>The provider that sent the response.</summary>
    public NodeId Peer { get; }
}

/// <summary>
/// The provider reset the response stream while sending a blob (it cannot send an error frame inside one: protocol
/// v1). With <see cref="StreamErrorCode.Internal"/> its own copy failed the provider's verification (a shared file
/// edited after <c>send</c> imported it, a damaged disk) or it failed otherwise. Nothing unverified was kept: what
/// verified before the reset stays, and a later run fetches only the rest.
/// </summary>
public sealed class ProviderStoppedException : IOException
{
    /// <summary>Creates the exception naming the peer, the blob and the reset's code.</summary>
    public ProviderStoppedException(NodeId peer, Hash hash, StreamErrorCode code, Exception inner)
        : base($"provider {peer} stopped while sending blob {hash.ToHex()} (stream reset: {code})" +
            (code == StreamErrorCode.Internal ? ": its own copy failed its verification (changed or damaged since it was shared) or it failed" : "") +
            "; what verified here is kept", inner)
    {
        Peer = peer;
        Hash = hash;
        Code = code;
    }

    /// <summary>The provider.</summary>
    public NodeId Peer { get; }

    /// <summary>The blob it was sending.</summary>
    public Hash Hash { get; }

    /// <summary>The code of the provider's reset.</summary>
    public StreamErrorCode Code { get; }
}
