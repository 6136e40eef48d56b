using IrohActors.Node.Identity;

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
