using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Transport;

/// <summary>
/// An authenticated TLS connection to one remote node, carrying many concurrent request streams
/// (<see cref="MuxStream"/>) with per-stream flow control, keep-alive pings that measure the round-trip
/// time, an idle timeout, and byte counters. Either side may open streams. Designed to be owned by one
/// actor later: every operation is async and cancelable, and <see cref="Completion"/> reports the close.
/// </summary>
public sealed class NodeConnection : IAsyncDisposable
{
    private const int MaxGoAwayReason = 1024;

    private readonly Stream _transport;
    private readonly Socket _socket;
    private readonly TransportOptions _options;
    private readonly FrameReader _reader;
    private readonly object _gate = new();
    private readonly Dictionary<uint, MuxStream> _streams = new();
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private readonly Channel<MuxStream> _incoming = Channel.CreateUnbounded<MuxStream>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _readAbort = new();
    private readonly TaskCompletionSource _readLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ConnectionClosedException> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _controlPayload = new byte[4 + MaxGoAwayReason];
    private MuxSettings _peer;
    private SemaphoreSlim? _openSlots;
    private uint _nextLocalId;
    private uint _lastRemoteId;
    private int _remoteOpenCount;
    private ConnectionClosedException? _closeReason;
    private (CloseCode Code, string Reason)? _peerGoAway;
    private long _lastReceived;
    private long _lastActivity;
    private long _lastPingSent;
    private long _rttTicks = -1;
    // What is left of ReceiveWindowGrowthBudget: streams take from it as their windows grow and give back when they finish.
    private int _windowGrowthLeft;

    internal NodeConnection(Stream transport, Socket socket, NodeId localNodeId, NodeId remoteNodeId, IPEndPoint remoteEndPoint,
        bool isDialer, TlsCipherSuite cipherSuite, TransportOptions options, CoalescingTransport? coalescer = null, bool ownReadThread = false)
    {
        _transport = transport;
        ReadThread = ownReadThread ? Thread.CurrentThread : null;
        _socket = socket;
        _options = options;
        _windowGrowthLeft = options.ReceiveWindowGrowthBudget;
        LocalNodeId = localNodeId;
        RemoteNodeId = remoteNodeId;
        RemoteEndPoint = remoteEndPoint;
        IsDialer = isDialer;
        CipherSuite = cipherSuite;
        _nextLocalId = isDialer ? 1u : 2u;
        PeerLabel = $"node {remoteNodeId.ToShortString()} at {remoteEndPoint}";
        _reader = new FrameReader(transport);
        Writer = new FrameWriter(transport, coalescer, e => Terminate(new ConnectionClosedException(CloseCode.TransportClosed, true, $"sending to {PeerLabel} failed: {e.Message}", e)));
        _lastReceived = _lastActivity = Environment.TickCount64;
    }

    /// <summary>This node.</summary>
    public NodeId LocalNodeId { get; }

    /// <summary>The peer, as proven by its certificate during the TLS handshake.</summary>
    public NodeId RemoteNodeId { get; }

    /// <summary>The peer's address.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>True on the side that dialed.</summary>
    public bool IsDialer { get; }

    /// <summary>The negotiated TLS 1.3 cipher suite.</summary>
    public TlsCipherSuite CipherSuite { get; }

    /// <summary>Bytes sent on the TLS stream (frame headers included).</summary>
    public long BytesSent => Writer.BytesSent;

    /// <summary>Bytes received on the TLS stream (frame headers included).</summary>
    public long BytesReceived => _reader.BytesReceived;

    /// <summary>The most recent keep-alive round-trip time, or null before the first pong.</summary>
    public TimeSpan? LatestRtt
    {
        get
        {
            var ticks = Interlocked.Read(ref _rttTicks);
            return ticks < 0 ? null : TimeSpan.FromTicks(ticks);
        }
    }

    /// <summary>Streams currently open in either direction.</summary>
    public int OpenStreamCount
    {
        get
        {
            lock (_gate)
                return _streams.Count;
        }
    }

    /// <summary>
    /// True once the connection opens no more streams: we began closing it, or the peer sent GOAWAY. It may stay open a
    /// while longer (up to <see cref="TransportOptions.CloseTimeout"/>) for the streams in flight and the close handshake.
    /// </summary>
    public bool IsClosing
    {
        get
        {
            lock (_gate)
                return ClosingLocked;
        }
    }

    // Under _gate: no stream may be opened any more (the condition OpenStreamAsync refuses on).
    private bool ClosingLocked => _closeReason != null || _peerGoAway != null;

    /// <summary>Completes (never faults) when the connection has closed, with the reason every stream saw.</summary>
    public Task<ConnectionClosedException> Completion => _closed.Task;

    /// <summary>Raised on the connection's read loop for each pong; handlers must return quickly and not throw (a throwing handler closes the connection with <see cref="CloseCode.Internal"/>).</summary>
    public event Action<NodeConnection, TimeSpan>? RttMeasured;

    internal FrameWriter Writer { get; }

    internal string PeerLabel { get; }

    /// <summary>Opens a request stream carrying <paramref name="requestHeader"/>; waits while the peer's stream limit is reached.</summary>
    /// <exception cref="ConnectionClosedException">The connection is closed or closing.</exception>
    public async Task<MuxStream> OpenStreamAsync(ReadOnlyMemory<byte> requestHeader, CancellationToken cancellationToken = default)
    {
        if (requestHeader.Length > FrameWriter.BatchSize - FrameHeader.Size)
            throw new ArgumentOutOfRangeException(nameof(requestHeader), requestHeader.Length, $"a request header may be at most {FrameWriter.BatchSize - FrameHeader.Size} bytes");
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            await _openSlots!.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw CloseReasonOrGoingAway();
        }
        MuxStream stream;
        try
        {
            await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _openSlots.Release();
            throw;
        }
        try
        {
            lock (_gate)
            {
                if (ClosingLocked)
                {
                    _openSlots.Release();
                    throw CloseReasonOrGoingAway();
                }
                stream = new MuxStream(this, _nextLocalId, locallyOpened: true, requestHeader, _options.StreamReceiveWindow, _options.MaxStreamReceiveWindow, _peer.StreamReceiveWindow);
                _nextLocalId += 2;
                _streams.Add(stream.Id, stream);
                _lastActivity = Environment.TickCount64;
            }
            // Ids must reach the peer in increasing order, so allocation and queuing happen under one lock.
            try
            {
                await Writer.WriteFrameAsync(FrameType.Open, stream.Id, requestHeader, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The OPEN never left: forget the stream (its id stays unused) and free its slot.
                stream.Abandon(e);
                throw;
            }
        }
        finally
        {
            _openLock.Release();
        }
        return stream;
    }

    /// <summary>Waits for the next stream the peer opens.</summary>
    /// <exception cref="ConnectionClosedException">The connection closed.</exception>
    public async Task<MuxStream> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        while (await _incoming.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_incoming.Reader.TryRead(out var stream))
                return stream;
        }
        throw CloseReasonOrGoingAway();
    }

    /// <summary>
    /// Closes gracefully: open streams fail with <see cref="ConnectionClosedException"/>, a GOAWAY carrying
    /// <paramref name="code"/> is sent, queued frames are flushed (up to the close timeout), then TLS and TCP close.
    /// </summary>
    public async Task CloseAsync(CloseCode code = CloseCode.Normal, string? reason = null)
    {
        reason ??= code.ToString();
        var closed = new ConnectionClosedException(code, byPeer: false, $"connection to {PeerLabel} closed by us: {code} ({reason})");
        if (!BeginClose(closed))
        {
            await Completion.ConfigureAwait(false);
            return;
        }
        // At most 4 UTF-8 bytes per char, so 256 chars always fit the 1 KiB reason limit.
        var text = Encoding.UTF8.GetBytes(reason.Length > MaxGoAwayReason / 4 ? reason[..(MaxGoAwayReason / 4)] : reason);
        var payload = new byte[4 + text.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        text.CopyTo(payload, 4);
        Writer.WriteControl(FrameType.GoAway, 0, payload);
        try
        {
            await Writer.CompleteAsync(closed).WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
            if (_transport is SslStream tls)
                await tls.ShutdownAsync().WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
            else if (_transport is OpenSsl.OpenSslStream direct)
                await direct.ShutdownAsync().WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
            // Closing a socket with unread input sends RST, which can destroy our GOAWAY in the peer's
            // receive queue; so wait until the peer, having read everything, closes its side too.
            await _readLoopDone.Task.WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or SocketException or ObjectDisposedException or InvalidOperationException
            or System.Security.Cryptography.CryptographicException)
        {
            // The peer is gone or slow: drop the transport anyway. (OpenSSL refuses to send our close_notify when the
            // peer's data arrived after its own, "application data after close notify": both sides closing at once.)
        }
        EndClose(closed);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <summary>Exchanges HELLO frames, then starts the read and keep-alive loops.</summary>
    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        Span<byte> hello = stackalloc byte[MuxSettings.Size];
        MuxSettings.From(_options).Write(hello);
        Writer.WriteControl(FrameType.Hello, 0, hello);
        var header = await _reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ConnectionClosedException(CloseCode.TransportClosed, byPeer: true,
                $"{PeerLabel} closed the connection before its HELLO (it may have refused our certificate or be shutting down)");
        if (header.Type != FrameType.Hello || header.Length > 256)
            throw new ConnectionClosedException(CloseCode.ProtocolError, byPeer: true, $"{PeerLabel} sent {header} instead of HELLO");
        var payload = new byte[header.Length];
        await _reader.ReadPayloadAsync(payload, cancellationToken).ConfigureAwait(false);
        try
        {
            _peer = MuxSettings.Read(payload);
        }
        catch (MuxProtocolException e)
        {
            throw new ConnectionClosedException(e.Code, byPeer: true, $"{PeerLabel}: {e.Message}");
        }
        _openSlots = new SemaphoreSlim(_peer.MaxConcurrentStreams, _peer.MaxConcurrentStreams);
        _lastReceived = _lastActivity = Environment.TickCount64;
        SendPing();
        // A connection with a thread of its own runs its read loop there (RunReadLoop), not on the thread pool.
        if (ReadThread is null)
            _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(KeepAliveLoopAsync);
    }

    /// <summary>Runs the read loop on the calling thread (the connection's own) until the connection ends; after <see cref="StartAsync"/>.</summary>
    internal void RunReadLoop()
    {
        Debug.Assert(ReferenceEquals(Thread.CurrentThread, ReadThread), "the read loop runs on the thread that set the connection up");
        ReadLoopAsync().GetAwaiter().GetResult();
    }

    /// <summary>The connection's own thread, which set it up and runs its read loop (null without <see cref="TransportOptions.ConnectionThreads"/>).</summary>
    internal Thread? ReadThread { get; }

    /// <summary>The TLS stream the mux runs on (tests check which implementation it is).</summary>
    internal Stream TransportStream => _transport;

    /// <summary>The socket's descriptor (tests look it up in the runtime's epoll set).</summary>
    internal IntPtr SocketHandle => _socket.Handle;

    /// <summary>Drops the transport without a GOAWAY (handshake failures).</summary>
    internal void Abort(string why) =>
        Terminate(new ConnectionClosedException(CloseCode.TransportClosed, byPeer: false, $"connection to {PeerLabel} aborted: {why}"));

    /// <summary>Takes up to <paramref name="wanted"/> bytes of window growth from the connection's budget; returns what it got.</summary>
    internal int TakeWindowGrowth(int wanted)
    {
        while (true)
        {
            var left = Volatile.Read(ref _windowGrowthLeft);
            var granted = Math.Min(left, wanted);
            if (granted <= 0)
                return 0;
            if (Interlocked.CompareExchange(ref _windowGrowthLeft, left - granted, left) == left)
                return granted;
        }
    }

    internal void OnStreamFinished(MuxStream stream)
    {
        lock (_gate)
        {
            if (!_streams.Remove(stream.Id))
                return;
            if (stream.IsLocallyOpened)
                _openSlots?.Release();
            else
                _remoteOpenCount--;
            _lastActivity = Environment.TickCount64;
        }
        // A finished stream's grown window is free again (late DATA for it is dropped unread).
        Interlocked.Add(ref _windowGrowthLeft, stream.TakeBackWindowGrowth());
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            await ReadFramesAsync().ConfigureAwait(false);
        }
        finally
        {
            _readLoopDone.TrySetResult();
        }
    }

    private async Task ReadFramesAsync()
    {
        var cancellationToken = _readAbort.Token;
        try
        {
            while (true)
            {
                var header = await _reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
                if (header is null)
                {
                    (CloseCode Code, string Reason)? goAway;
                    lock (_gate)
                        goAway = _peerGoAway;
                    Terminate(goAway is { } g
                        ? new ConnectionClosedException(g.Code, byPeer: true, $"{PeerLabel} closed the connection: {g.Code} ({g.Reason})")
                        : new ConnectionClosedException(CloseCode.TransportClosed, byPeer: true, $"{PeerLabel} closed the connection without GOAWAY"));
                    return;
                }
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
                await DispatchAsync(header.Value, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (MuxProtocolException e)
        {
            _ = CloseAsync(e.Code, e.Message);
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (_readAbort.IsCancellationRequested)
        {
            // We dropped the transport; the close reason is already set.
        }
        catch (Exception e)
        {
            (CloseCode Code, string Reason)? goAway;
            lock (_gate)
                goAway = _peerGoAway;
            Terminate(goAway is { } g
                ? new ConnectionClosedException(g.Code, byPeer: true, $"{PeerLabel} closed the connection: {g.Code} ({g.Reason})", e)
                : new ConnectionClosedException(CloseCode.TransportClosed, byPeer: true, $"connection to {PeerLabel} failed: {e.Message}", e));
        }
    }

    /// <summary>After a protocol error the frame boundaries are lost: discard input until the peer closes.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var sink = new byte[16 * 1024];
        try
        {
            while (await _transport.ReadAsync(sink, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone either way.
        }
    }

    private async ValueTask DispatchAsync(FrameHeader header, CancellationToken cancellationToken)
    {
        switch (header.Type)
        {
            case FrameType.Data:
                await OnDataAsync(header, cancellationToken).ConfigureAwait(false);
                break;
            case FrameType.Open:
                await OnOpenAsync(header, cancellationToken).ConfigureAwait(false);
                break;
            case FrameType.End:
                await ReadControlAsync(header, 0, 0, cancellationToken).ConfigureAwait(false);
                Lookup(header)?.OnRemoteEnd();
                break;
            case FrameType.Reset:
                {
                    var payload = await ReadControlAsync(header, 4, 4, cancellationToken).ConfigureAwait(false);
                    Lookup(header)?.OnRemoteReset((StreamErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.Span));
                    break;
                }
            case FrameType.Window:
                {
                    var payload = await ReadControlAsync(header, 4, 4, cancellationToken).ConfigureAwait(false);
                    var increment = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
                    if (increment == 0)
                        throw new MuxProtocolException(CloseCode.ProtocolError, $"WINDOW of 0 on stream {header.StreamId}");
                    Lookup(header)?.OnWindow(increment);
                    break;
                }
            case FrameType.Blocked:
                await ReadControlAsync(header, 0, 0, cancellationToken).ConfigureAwait(false);
                Lookup(header)?.OnBlocked();
                break;
            case FrameType.Ping:
                {
                    var payload = await ReadControlAsync(header, 8, 8, cancellationToken).ConfigureAwait(false);
                    Writer.WriteControl(FrameType.Pong, 0, payload.Span);
                    break;
                }
            case FrameType.Pong:
                {
                    var payload = await ReadControlAsync(header, 8, 8, cancellationToken).ConfigureAwait(false);
                    var sent = BinaryPrimitives.ReadInt64BigEndian(payload.Span);
                    var rtt = Stopwatch.GetElapsedTime(sent);
                    if (rtt >= TimeSpan.Zero)
                    {
                        Interlocked.Exchange(ref _rttTicks, rtt.Ticks);
                        try
                        {
                            RttMeasured?.Invoke(this, rtt);
                        }
                        catch (Exception e)
                        {
                            throw new MuxProtocolException(CloseCode.Internal, $"an {nameof(RttMeasured)} handler threw {e.GetType().Name}: {e.Message}");
                        }
                    }
                    break;
                }
            case FrameType.GoAway:
                {
                    var payload = await ReadControlAsync(header, 4, 4 + MaxGoAwayReason, cancellationToken).ConfigureAwait(false);
                    var code = (CloseCode)BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
                    var reason = Encoding.UTF8.GetString(payload.Span[4..]);
                    lock (_gate)
                        _peerGoAway = (code, reason);
                    break;
                }
            case FrameType.Hello:
                throw new MuxProtocolException(CloseCode.ProtocolError, "second HELLO");
            default:
                // Unknown frame types are skipped so later versions can add optional frames.
                await _reader.SkipAsync(header.Length, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask OnDataAsync(FrameHeader header, CancellationToken cancellationToken)
    {
        var stream = Lookup(header);
        if (stream == null || header.Length == 0)
        {
            await _reader.SkipAsync(header.Length, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (stream.TryClaimReaderBuffer(header.Length, out var target))
        {
            try
            {
                await _reader.ReadPayloadAsync(target, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                stream.CompleteClaimedRead(-1);
                throw;
            }
            stream.CompleteClaimedRead(header.Length);
            return;
        }
        var array = ArrayPool<byte>.Shared.Rent(header.Length);
        try
        {
            await _reader.ReadPayloadAsync(array.AsMemory(0, header.Length), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(array);
            throw;
        }
        if (!stream.OnData(array, header.Length))
            throw new MuxProtocolException(CloseCode.FlowControlError, $"{PeerLabel} overran the flow-control window of stream {header.StreamId}");
    }

    private async ValueTask OnOpenAsync(FrameHeader header, CancellationToken cancellationToken)
    {
        var id = header.StreamId;
        if (IsLocalId(id) || id <= _lastRemoteId)
            throw new MuxProtocolException(CloseCode.ProtocolError, $"OPEN with stream id {id} (last peer id {_lastRemoteId}, peer ids are {(IsDialer ? "even" : "odd")} and increasing)");
        _lastRemoteId = id;
        StreamErrorCode? refusal = null;
        if (header.Length > _options.MaxRequestHeaderSize)
            refusal = StreamErrorCode.RequestTooLarge;
        else
        {
            lock (_gate)
            {
                if (_closeReason != null || _remoteOpenCount >= _options.MaxConcurrentStreams)
                    refusal = StreamErrorCode.Refused;
            }
        }
        if (refusal is { } code)
        {
            await _reader.SkipAsync(header.Length, cancellationToken).ConfigureAwait(false);
            Span<byte> payload = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
            Writer.WriteControl(FrameType.Reset, id, payload);
            return;
        }
        var requestHeader = new byte[header.Length];
        await _reader.ReadPayloadAsync(requestHeader, cancellationToken).ConfigureAwait(false);
        var stream = new MuxStream(this, id, locallyOpened: false, requestHeader, _options.StreamReceiveWindow, _options.MaxStreamReceiveWindow, _peer.StreamReceiveWindow);
        lock (_gate)
        {
            _streams.Add(id, stream);
            _remoteOpenCount++;
            _lastActivity = Environment.TickCount64;
        }
        _incoming.Writer.TryWrite(stream);
    }

    private async ValueTask<ReadOnlyMemory<byte>> ReadControlAsync(FrameHeader header, int min, int max, CancellationToken cancellationToken)
    {
        if (header.Length < min || header.Length > max)
            throw new MuxProtocolException(CloseCode.ProtocolError, $"{header.Type} frame with a {header.Length}-byte payload (expected {min}..{max})");
        var memory = _controlPayload.AsMemory(0, header.Length);
        await _reader.ReadPayloadAsync(memory, cancellationToken).ConfigureAwait(false);
        return memory;
    }

    /// <summary>The stream a frame is for; null for a stream already finished (late frames are dropped).</summary>
    private MuxStream? Lookup(FrameHeader header)
    {
        var id = header.StreamId;
        lock (_gate)
        {
            if (_streams.TryGetValue(id, out var stream))
                return stream;
        }
        var known = id != 0 && (IsLocalId(id) ? id < _nextLocalId : id <= _lastRemoteId);
        if (!known)
            throw new MuxProtocolException(CloseCode.ProtocolError, $"{header.Type} frame for stream {id}, which was never opened");
        return null;
    }

    private bool IsLocalId(uint id) => (id & 1) == (IsDialer ? 1u : 0u);

    private void SendPing()
    {
        Span<byte> payload = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(payload, Stopwatch.GetTimestamp());
        Volatile.Write(ref _lastPingSent, Environment.TickCount64);
        Writer.WriteControl(FrameType.Ping, 0, payload);
    }

    private async Task KeepAliveLoopAsync()
    {
        var keepAlive = Milliseconds(_options.KeepAliveInterval);
        var deadAfter = Milliseconds(_options.KeepAliveTimeout);
        var idleAfter = Milliseconds(_options.IdleTimeout);
        var tick = Math.Clamp(Math.Min(keepAlive, Math.Min(deadAfter, idleAfter)) / 4, 10, 1000);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(tick));
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                if (now - Volatile.Read(ref _lastPingSent) >= keepAlive)
                    SendPing();
                var silentFor = now - Volatile.Read(ref _lastReceived);
                if (silentFor >= deadAfter)
                {
                    await CloseAsync(CloseCode.KeepAliveTimeout, $"nothing received for {silentFor} ms").ConfigureAwait(false);
                    return;
                }
                bool idle;
                lock (_gate)
                    idle = _streams.Count == 0 && now - _lastActivity >= idleAfter;
                if (idle)
                {
                    await CloseAsync(CloseCode.Idle, $"no stream open for {idleAfter} ms").ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Connection closed.
        }
    }

    private static long Milliseconds(TimeSpan value) => value == Timeout.InfiniteTimeSpan ? long.MaxValue / 4 : (long)value.TotalMilliseconds;

    private Exception CloseReasonOrGoingAway()
    {
        lock (_gate)
        {
            if (_closeReason != null)
                return _closeReason;
            if (_peerGoAway is { } g)
                return new ConnectionClosedException(g.Code, byPeer: true, $"{PeerLabel} is closing the connection: {g.Code} ({g.Reason})");
            return new ConnectionClosedException(CloseCode.TransportClosed, byPeer: false, $"connection to {PeerLabel} is closed");
        }
    }

    /// <summary>Marks the connection closed and fails every stream; false if it was already closing.</summary>
    private bool BeginClose(ConnectionClosedException reason)
    {
        MuxStream[] streams;
        lock (_gate)
        {
            if (_closeReason != null)
                return false;
            _closeReason = reason;
            streams = [.. _streams.Values];
            _streams.Clear();
        }
        _closing.Cancel();
        foreach (var stream in streams)
            stream.OnConnectionClosed(reason);
        _incoming.Writer.TryComplete();
        return true;
    }

    private void EndClose(ConnectionClosedException reason)
    {
        _readAbort.Cancel();
        Writer.Fail(reason);
        _transport.Dispose();
        _socket.Dispose();
        _closed.TrySetResult(reason);
    }

    private void Terminate(ConnectionClosedException reason)
    {
        if (BeginClose(reason))
            EndClose(reason);
    }
}
