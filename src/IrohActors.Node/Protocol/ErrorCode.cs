namespace IrohActors.Node.Protocol;

/// <summary>Why a provider refused or stopped a request (the code of an error frame).</summary>
public enum ErrorCode : byte
{
    /// <summary>The provider does not hold the blob, the requested ranges of it, or a collection's child.</summary>
    NotFound = 1,

    /// <summary>A limit was hit: too many concurrent requests (per peer or in total) or a request too large.</summary>
    Limit = 2,

    /// <summary>The access policy does not allow this peer.</summary>
    Permission = 3,

    /// <summary>The request does not decode (the message names the byte offset).</summary>
    BadRequest = 4,

    /// <summary>The provider failed (for example its stored data no longer verified).</summary>
    Internal = 5,
}
