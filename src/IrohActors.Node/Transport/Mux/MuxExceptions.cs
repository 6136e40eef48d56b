namespace IrohActors.Node.Transport;

/// <summary>A stream was reset by one side; reads and writes on it fail with this.</summary>
public sealed class StreamResetException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StreamResetException(uint streamId, StreamErrorCode code, bool byPeer, string peer)
        : base($"stream {streamId} to {peer} was reset by {(byPeer ? "the peer" : "us")}: {code}")
    {
        StreamId = streamId;
        Code = code;
        ByPeer = byPeer;
    }

    /// <summary>The stream.</summary>
    public uint StreamId { get; }

    /// <summary>The reset code.</summary>
    public StreamErrorCode Code { get; }

    /// <summary>True if the peer reset the stream, false if this side did.</summary>
    public bool ByPeer { get; }
}

/// <summary>The connection closed (or failed); every open stream fails with this.</summary>
public sealed class ConnectionClosedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ConnectionClosedException(CloseCode code, bool byPeer, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        ByPeer = byPeer;
    }

    /// <summary>Why the connection closed.</summary>
    public CloseCode Code { get; }

    /// <summary>True if the peer closed it (GOAWAY or end of transport), false if this side did.</summary>
    public bool ByPeer { get; }
}

/// <summary>A fault the read loop found (usually the peer breaking the mux protocol); the connection is closed with <see cref="Code"/>.</summary>
internal sealed class MuxProtocolException : Exception
{
    public MuxProtocolException(CloseCode code, string message) : base(message) => Code = code;

    public CloseCode Code { get; }
}
