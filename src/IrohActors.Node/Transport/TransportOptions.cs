namespace IrohActors.Node.Transport;

/// <summary>Timeouts and limits of node connections; the receive-side limits are announced to the peer in HELLO.</summary>
public sealed record TransportOptions
{
    /// <summary>Time allowed per address for TCP connect, TLS handshake and the mux hello.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a PING is sent (also measures the round-trip time).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The connection is closed when nothing at all arrives from the peer for this long.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The connection is closed after this long with no open stream; <see cref="Timeout.InfiniteTimeSpan"/> disables.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest request header (OPEN payload) this side accepts; larger ones are reset with <see cref="StreamErrorCode.RequestTooLarge"/>.</summary>
    public int MaxRequestHeaderSize { get; init; } = 16 * 1024;

    /// <summary>
    /// Bytes a peer may send on one stream before this side has read them (per-stream flow-control window), at the
    /// start of each stream. A stream whose reader keeps up while the peer runs out of credit gets a larger window,
    /// up to <see cref="MaxStreamReceiveWindow"/> (see <see cref="ReceiveWindowGrowthBudget"/>).
    /// </summary>
    public int StreamReceiveWindow { get; init; } = 2 * 1024 * 1024;

    /// <summary>
    /// The largest window one stream can grow to (a window as large as bandwidth × round trip keeps a single stream at
    /// full speed); at or below <see cref="StreamReceiveWindow"/>, windows never grow.
    /// </summary>
    public int MaxStreamReceiveWindow { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// How far all the streams of one connection together may grow past their initial windows: received but unread data
    /// on a connection never exceeds <see cref="StreamReceiveWindow"/> × open streams + this.
    /// </summary>
    public int ReceiveWindowGrowthBudget { get; init; } = 64 * 1024 * 1024;

    /// <summary>Streams the peer may have open towards this side at once; further OPENs are refused.</summary>
    public int MaxConcurrentStreams { get; init; } = 256;

    /// <summary>Pending TCP connections queued by the listener.</summary>
    public int ListenBacklog { get; init; } = 512;

    /// <summary>
    /// Each connection gets a thread of its own, which sets it up and then reads from it, waiting for data in
    /// <c>poll(2)</c>; reads and writes that need not wait are single system calls on the socket. Off: the runtime's
    /// socket engine (one epoll thread for all sockets) waits for every connection, and pool threads read.
    /// On is faster for bulk transfers (docs/transport.md §6.8); off scales to more connections than threads.
    /// </summary>
    public bool ConnectionThreads { get; init; } = true;

    /// <summary>
    /// Which TLS implementation runs connections that have a thread of their own (<see cref="ConnectionThreads"/>):
    /// OpenSSL directly (Linux, where libssl.so.3 loads; elsewhere SslStream), or SslStream. Without connection threads,
    /// always SslStream. Both speak the same TLS 1.3 with the same certificates, so either meets the other.
    /// </summary>
    public TlsProvider Tls { get; init; } = TlsProvider.OpenSsl;

    /// <summary>
    /// With OpenSSL: after the handshake the peer's records are read and decrypted by our own record reader, straight into
    /// the reader's memory, instead of by OpenSSL, which decrypts into its buffer and copies out (docs/transport.md §6.9).
    /// Off only to compare the two.
    /// </summary>
    internal bool ReadRecordsItself { get; init; } = true;

    /// <summary>
    /// With OpenSSL: after the handshake our records are sealed by our own record writer, straight from the caller's
    /// memory into what is sent, instead of by OpenSSL through its record buffer and a memory BIO (docs/transport.md §6.9).
    /// Off only to compare the two.
    /// </summary>
    internal bool WriteRecordsItself { get; init; } = true;

    /// <summary>True if connections of these options use OpenSSL directly here.</summary>
    internal bool UsesOpenSsl => ConnectionThreads && Tls == TlsProvider.OpenSsl && OpenSsl.LibSsl.IsAvailable;

    /// <summary>Time a graceful close waits for queued frames to leave before dropping the transport.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest window of one stream: 1 GiB (credit is counted in 32 bits, and a window update may come on top of what is left).</summary>
    private const int MaxWindow = 1 << 30;

    /// <summary>Throws if a value is out of range.</summary>
    public void Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(name, value, "must be positive or infinite");
        }
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(KeepAliveInterval, nameof(KeepAliveInterval));
        Positive(KeepAliveTimeout, nameof(KeepAliveTimeout));
        Positive(IdleTimeout, nameof(IdleTimeout));
        Positive(CloseTimeout, nameof(CloseTimeout));
        if (KeepAliveTimeout != Timeout.InfiniteTimeSpan && KeepAliveInterval != Timeout.InfiniteTimeSpan && KeepAliveTimeout <= KeepAliveInterval)
            throw new ArgumentOutOfRangeException(nameof(KeepAliveTimeout), KeepAliveTimeout, $"must exceed {nameof(KeepAliveInterval)} ({KeepAliveInterval}), or every connection would time out between pings");
        if (MaxRequestHeaderSize < 0 || MaxRequestHeaderSize > FrameWriter.BatchSize - FrameHeader.Size)
            throw new ArgumentOutOfRangeException(nameof(MaxRequestHeaderSize), MaxRequestHeaderSize, $"must be 0..{FrameWriter.BatchSize - FrameHeader.Size}");
        if (StreamReceiveWindow < 1024 || StreamReceiveWindow > MaxWindow)
            throw new ArgumentOutOfRangeException(nameof(StreamReceiveWindow), StreamReceiveWindow, $"must be 1024..{MaxWindow}");
        if (MaxStreamReceiveWindow < 1024 || MaxStreamReceiveWindow > MaxWindow)
            throw new ArgumentOutOfRangeException(nameof(MaxStreamReceiveWindow), MaxStreamReceiveWindow, $"must be 1024..{MaxWindow}");
        if (ReceiveWindowGrowthBudget < 0)
            throw new ArgumentOutOfRangeException(nameof(ReceiveWindowGrowthBudget), ReceiveWindowGrowthBudget, "must not be negative");
        if (MaxConcurrentStreams < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentStreams), MaxConcurrentStreams, "must be at least 1");
        if (ListenBacklog < 1)
            throw new ArgumentOutOfRangeException(nameof(ListenBacklog), ListenBacklog, "must be at least 1");
    }
}

/// <summary>The TLS implementation of a connection (<see cref="TransportOptions.Tls"/>).</summary>
public enum TlsProvider
{
    /// <summary>OpenSSL 3, called directly: it reads the socket itself and its records leave from its own buffer (Linux).</summary>
    OpenSsl,

    /// <summary>.NET's SslStream (on Linux, the same OpenSSL through memory buffers, with more copies).</summary>
    SslStream,
}
