namespace IrohActors.Node.Transport;

/// <summary>Why a stream was reset; carried in RESET frames.</summary>
public enum StreamErrorCode : uint
{
    /// <summary>The stream was abandoned after the sender finished normally (stop sending).</summary>
    NoError = 0,
    /// <summary>The application cancelled the request.</summary>
    Cancelled = 1,
    /// <summary>The request header exceeded the receiver's maximum request size.</summary>
    RequestTooLarge = 2,
    /// <summary>The receiver refused a new stream (too many concurrent streams, or closing).</summary>
    Refused = 3,
    /// <summary>The receiver failed while handling the stream.</summary>
    Internal = 4,
}

/// <summary>Why a connection closed; carried in GOAWAY frames or decided locally.</summary>
public enum CloseCode : uint
{
    /// <summary>An orderly close by the application.</summary>
    Normal = 0,
    /// <summary>No stream was open for the idle timeout.</summary>
    Idle = 1,
    /// <summary>Nothing arrived from the peer for the keep-alive timeout.</summary>
    KeepAliveTimeout = 2,
    /// <summary>The peer broke the mux protocol.</summary>
    ProtocolError = 3,
    /// <summary>The peer sent more than a stream's flow-control window allowed.</summary>
    FlowControlError = 4,
    /// <summary>An internal failure.</summary>
    Internal = 5,
    /// <summary>The transport failed or the peer closed it without a GOAWAY (not sent on the wire).</summary>
    TransportClosed = 100,
}
