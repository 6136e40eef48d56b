using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.ExceptionServices;

namespace IrohActors.Node.Transport;

/// <summary>
/// One request on a <see cref="NodeConnection"/>: a bidirectional byte stream with its own flow-control
/// window, opened with a request header. Reading and writing may run concurrently (one reader and one
/// writer at a time). Cancelling a read or write resets the stream; <see cref="Reset"/> abandons it
/// explicitly; disposing a stream whose writes were not completed resets it with <see cref="StreamErrorCode.Cancelled"/>.
/// </summary>
public sealed class MuxStream : Stream
{
    /// <summary>Largest DATA frame payload this side sends.</summary>
    internal const int MaxDataFrame = 256 * 1024;

    private readonly NodeConnection _connection;
    private readonly object _gate = new();
    private readonly int _maxReceiveWindow;
    // The current window: it starts at the configured size and grows when the peer is held back by it (OnBlocked).
    private int _receiveWindow;
    // Bytes of the window taken from the connection's growth budget.
    private int _windowGrowth;

    // Receive side.
    private readonly Queue<Segment> _segments = new();
    private byte[]? _head;
    private int _headOffset;
    private int _headLength;
    private int _receiveCredit;
    private int _consumedUnacknowledged;
    private bool _remoteEnded;
    private Exception? _readError;
    // A reader waiting with an empty queue offers its buffer; the read loop may fill it directly
    // (one copy less). The result is the byte count, or -1 for "woken, look again".
    private TaskCompletionSource<int>? _readWaiter;
    private Memory<byte> _readerBuffer;
    private bool _readerBufferClaimed;
    // The waiting reader's continuation runs on the read loop when it fills the reader's buffer (InlineReadContinuations).
    private bool _readerInline;

    // Send side.
    private long _sendCredit;
    private bool _localEnded;
    private Exception? _writeError;
    private TaskCompletionSource? _creditWaiter;
    private int _writing;

    private bool _finished;

    internal MuxStream(NodeConnection connection, uint id, bool locallyOpened, ReadOnlyMemory<byte> requestHeader, int receiveWindow,
        int maxReceiveWindow, int sendWindow)
    {
        _connection = connection;
        Id = id;
        IsLocallyOpened = locallyOpened;
        RequestHeader = requestHeader;
        _receiveWindow = receiveWindow;
        _maxReceiveWindow = Math.Max(receiveWindow, maxReceiveWindow);
        _receiveCredit = receiveWindow;
        _sendCredit = sendWindow;
    }

    /// <summary>The stream's current receive window (it grows from the configured size while the reader keeps up).</summary>
    internal int ReceiveWindow
    {
        get
        {
            lock (_gate)
                return _receiveWindow;
        }
    }

    /// <summary>
    /// While true, a read that waits for data continues on the connection's read loop, right after the loop has read
    /// the frame's payload into its buffer (decrypted there a moment before): the caller's processing of those bytes
    /// then runs on the core whose cache holds them, with no hand-off to another thread. Meanwhile the loop reads nothing
    /// for any stream, so only a reader that processes a buffer in well under a millisecond, never blocks on anything
    /// this connection must deliver, and leaves the loop (an await that yields) before it ends the stream or the
    /// connection may set it (the getter, while it decodes a large blob). Other wake-ups (queued data, the end, a reset)
    /// still continue on the thread pool.
    /// </summary>
    internal bool InlineReadContinuations { get; set; }

    /// <summary>The stream id: odd for streams the dialer opened, even for the listener's.</summary>
    public uint Id { get; }

    /// <summary>True if this side opened the stream.</summary>
    public bool IsLocallyOpened { get; }

    /// <summary>The request header sent in the OPEN frame.</summary>
    public ReadOnlyMemory<byte> RequestHeader { get; }

    /// <summary>The connection carrying this stream.</summary>
    public NodeConnection Connection => _connection;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
            return 0;
        while (true)
        {
            Task<int> wait;
            lock (_gate)
            {
                if (HasBufferedLocked)
                    return TakeBuffered(buffer.Span);
                if (_readError != null)
                    ExceptionDispatchInfo.Throw(_readError);
                if (_remoteEnded)
                    return 0;
                if (_readWaiter != null)
                    throw new InvalidOperationException($"stream {Id}: concurrent reads are not supported");
                _readerInline = InlineReadContinuations;
                _readWaiter = new TaskCompletionSource<int>(_readerInline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
                _readerBuffer = buffer;
                _readerBufferClaimed = false;
                wait = _readWaiter.Task;
            }
            var n = await AwaitReadAsync(wait, cancellationToken).ConfigureAwait(false);
            if (n >= 0)
                return n;
        }
    }

    /// <summary>Waits for the read loop; a cancelled read whose buffer is being filled still returns its bytes.</summary>
    private async Task<int> AwaitReadAsync(Task<int> wait, CancellationToken cancellationToken)
    {
        try
        {
            return await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            bool claimed;
            lock (_gate)
            {
                var mine = _readWaiter?.Task == wait;
                claimed = mine && _readerBufferClaimed;
                if (mine && !claimed)
                    ClearReaderLocked();
            }
            if (claimed || wait.IsCompletedSuccessfully)
            {
                // The read loop is writing (or wrote) into the caller's buffer: it must finish before we
                // return, and the bytes it delivered are the result, not a cancellation.
                var n = await wait.ConfigureAwait(false);
                if (n >= 0)
                    return n;
            }
            Reset(StreamErrorCode.Cancelled);
            throw;
        }
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAsync(buffer, deferFlush: false, cancellationToken);

    /// <summary>
    /// Writes <paramref name="buffer"/>; with <paramref name="deferFlush"/> the bytes may wait in the connection's send
    /// batch until it is full (and this writer then encrypts and sends it itself, on its own thread) or until
    /// <see cref="Flush"/>, the stream's END or anything else queued without deferring. For a writer that produces a
    /// large response item by item: it does its own sending and no other thread is woken per batch.
    /// </summary>
    internal async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool deferFlush, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _writing, 1) == 1)
            throw new InvalidOperationException($"stream {Id}: concurrent writes are not supported");
        try
        {
            while (buffer.Length > 0)
            {
                int credit;
                Task? wait = null;
                lock (_gate)
                {
                    if (_writeError != null)
                        ExceptionDispatchInfo.Throw(_writeError);
                    if (_localEnded)
                        throw new InvalidOperationException($"stream {Id}: writes were already completed");
                    credit = (int)Math.Min(_sendCredit, MaxDataFrame);
                    if (credit == 0)
                    {
                        if (_creditWaiter == null)
                        {
                            _creditWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            // Tells the peer its window held us back (it may grow it); once per wait.
                            _connection.Writer.WriteControl(FrameType.Blocked, Id, ReadOnlySpan<byte>.Empty);
                        }
                        wait = _creditWaiter.Task;
                    }
                }
                if (wait != null)
                {
                    // Deferred data must leave for the peer to read it and grant the credit.
                    if (deferFlush)
                        _connection.Writer.Flush();
                    await AwaitOrResetAsync(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                int n;
                try
                {
                    n = await _connection.Writer.WriteDataAsync(Id, buffer, credit, cancellationToken, deferFlush).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    Reset(StreamErrorCode.Cancelled);
                    throw;
                }
                lock (_gate)
                    _sendCredit -= n;
                buffer = buffer[n..];
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <summary>Half-closes the stream: sends END after all written data. Reading continues until the peer ends too.</summary>
    public async ValueTask CompleteWritesAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _writing) == 1)
                throw new InvalidOperationException($"stream {Id}: cannot complete writes while a write is in progress");
            if (_localEnded)
                return;
            if (_writeError is StreamResetException { ByPeer: true, Code: StreamErrorCode.NoError })
            {
                // The peer asked us to stop sending (it has its answer and ended): there is nothing left to end.
                _localEnded = true;
                return;
            }
            if (_writeError != null)
                ExceptionDispatchInfo.Throw(_writeError);
            _localEnded = true;
        }
        await _connection.Writer.WriteFrameAsync(FrameType.End, Id, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        FinishIfDone();
    }

    /// <summary>
    /// Abandons the stream in both directions and tells the peer with <paramref name="code"/>. Unread data
    /// is dropped; the peer's pending reads and writes fail with <see cref="StreamResetException"/>. No-op once finished.
    /// </summary>
    public void Reset(StreamErrorCode code = StreamErrorCode.Cancelled)
    {
        lock (_gate)
        {
            if (_finished)
                return;
            var error = new StreamResetException(Id, code, byPeer: false, _connection.PeerLabel);
            AbortLocked(error, keepReadable: false);
        }
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        _connection.Writer.WriteControl(FrameType.Reset, Id, payload);
        _connection.OnStreamFinished(this);
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Lets data written with deferred flushing leave now (other data leaves as soon as the connection's send loop takes it).</summary>
    public override void Flush() => _connection.Writer.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// After <see cref="CompleteWritesAsync"/>: stops reading (asking the peer to stop sending with RESET(NoError)
    /// if it has not ended), which never cuts what we sent. Otherwise: resets with <see cref="StreamErrorCode.Cancelled"/>.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            bool writesDone;
            lock (_gate)
                writesDone = _localEnded;
            if (writesDone)
                ReleaseReadSide();
            else
                Reset(StreamErrorCode.Cancelled);
        }
        base.Dispose(disposing);
    }

    /// <summary>Peer-sent data; false if it overran the window (a flow-control violation).</summary>
    internal bool OnData(byte[] array, int length)
    {
        lock (_gate)
        {
            if (length > _receiveCredit)
            {
                ArrayPool<byte>.Shared.Return(array);
                return false;
            }
            if (_remoteEnded)
            {
                ArrayPool<byte>.Shared.Return(array);
                throw new MuxProtocolException(CloseCode.ProtocolError, $"DATA after END on stream {Id}");
            }
            _receiveCredit -= length;
            if (_readError != null)
            {
                // We reset or stopped reading; the peer had not heard yet when it sent this.
                ArrayPool<byte>.Shared.Return(array);
                return true;
            }
            _segments.Enqueue(new Segment(array, 0, length));
            WakeReaderLocked();
            return true;
        }
    }

    internal void OnRemoteEnd()
    {
        lock (_gate)
        {
            _remoteEnded = true;
            WakeReaderLocked();
        }
        FinishIfDone();
    }

    internal void OnRemoteReset(StreamErrorCode code)
    {
        lock (_gate)
        {
            if (_finished && _readError != null)
                return;
            AbortLocked(new StreamResetException(Id, code, byPeer: true, _connection.PeerLabel), keepReadable: _remoteEnded);
        }
        _connection.OnStreamFinished(this);
    }

    internal void OnWindow(uint increment)
    {
        lock (_gate)
        {
            _sendCredit += increment;
            if (_sendCredit > int.MaxValue)
                throw new MuxProtocolException(CloseCode.FlowControlError, $"stream {Id}: peer granted more than 2 GiB of credit");
            _creditWaiter?.TrySetResult();
            _creditWaiter = null;
        }
    }

    /// <summary>
    /// The peer ran out of credit on this stream with more to send (BLOCKED). When the application has read at least
    /// half of what the window let in, the window and not the reader is what holds the peer back: the window doubles
    /// (up to the maximum, and as far as the connection's growth budget allows) and the growth goes out as credit at
    /// once. A reader that falls behind never grows its window, so unread data stays bounded by its window.
    /// </summary>
    internal void OnBlocked()
    {
        lock (_gate)
        {
            if (_remoteEnded || _readError != null || _receiveWindow >= _maxReceiveWindow)
                return;
            var unread = _receiveWindow - _receiveCredit - _consumedUnacknowledged;
            if (unread > _receiveWindow / 2)
                return;
            var growth = _connection.TakeWindowGrowth(Math.Min(_receiveWindow, _maxReceiveWindow - _receiveWindow));
            if (growth == 0)
                return;
            _receiveWindow += growth;
            _windowGrowth += growth;
            _receiveCredit += growth;
            Span<byte> payload = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)growth);
            _connection.Writer.WriteControl(FrameType.Window, Id, payload);
        }
    }

    /// <summary>The OPEN could not be queued: the peer never heard of this stream, so finish it silently.</summary>
    internal void Abandon(Exception error)
    {
        lock (_gate)
            AbortLocked(error, keepReadable: false);
        _connection.OnStreamFinished(this);
    }

    /// <summary>
    /// Hands over the oldest buffered frame payload whole instead of copying it out: the caller owns the pooled array
    /// from now on and returns it to <see cref="ArrayPool{T}.Shared"/>. False when nothing is buffered (then read as usual).
    /// </summary>
    internal bool TryTakeSegment(out byte[] array, out int offset, out int length)
    {
        lock (_gate)
        {
            if (_headLength > 0)
            {
                (array, offset, length) = (_head!, _headOffset, _headLength);
                (_head, _headOffset, _headLength) = (null, 0, 0);
            }
            else if (_segments.TryDequeue(out var next))
                (array, offset, length) = (next.Array, next.Offset, next.Length);
            else
            {
                (array, offset, length) = (null!, 0, 0);
                return false;
            }
            AcknowledgeLocked(length);
            return true;
        }
    }

    /// <summary>The connection ended: every pending and future operation fails with <paramref name="error"/>.</summary>
    internal void OnConnectionClosed(Exception error)
    {
        lock (_gate)
            AbortLocked(error, keepReadable: _remoteEnded);
    }

    private bool HasBufferedLocked => _headLength > 0 || _segments.Count > 0;

    private int TakeBuffered(Span<byte> destination)
    {
        var total = 0;
        while (destination.Length > 0)
        {
            if (_headLength == 0)
            {
                if (!_segments.TryDequeue(out var next))
                    break;
                (_head, _headOffset, _headLength) = (next.Array, next.Offset, next.Length);
            }
            var n = Math.Min(destination.Length, _headLength);
            _head!.AsSpan(_headOffset, n).CopyTo(destination);
            destination = destination[n..];
            total += n;
            _headOffset += n;
            _headLength -= n;
            if (_headLength == 0)
            {
                ArrayPool<byte>.Shared.Return(_head!);
                _head = null;
            }
        }
        AcknowledgeLocked(total);
        return total;
    }

    /// <summary>Counts bytes the application consumed and returns credit once half a window was read.</summary>
    private void AcknowledgeLocked(int consumed)
    {
        if (!_remoteEnded && _readError == null)
        {
            _consumedUnacknowledged += consumed;
            if (_consumedUnacknowledged >= _receiveWindow / 2)
            {
                var increment = _consumedUnacknowledged;
                _consumedUnacknowledged = 0;
                _receiveCredit += increment;
                Span<byte> payload = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
                _connection.Writer.WriteControl(FrameType.Window, Id, payload);
            }
        }
    }

    /// <summary>Hands the window's growth back once the stream is finished (called once, by the connection).</summary>
    internal int TakeBackWindowGrowth()
    {
        lock (_gate)
        {
            var growth = _windowGrowth;
            _windowGrowth = 0;
            return growth;
        }
    }

    private void AbortLocked(Exception error, bool keepReadable)
    {
        _finished = true;
        _writeError ??= error;
        if (!keepReadable)
        {
            _readError ??= error;
            DropBufferedLocked();
        }
        WakeReaderLocked();
        _creditWaiter?.TrySetResult();
        _creditWaiter = null;
    }

    private void DropBufferedLocked()
    {
        while (_segments.TryDequeue(out var s))
            ArrayPool<byte>.Shared.Return(s.Array);
        if (_head != null)
            ArrayPool<byte>.Shared.Return(_head);
        (_head, _headOffset, _headLength) = (null, 0, 0);
    }

    private void WakeReaderLocked()
    {
        // A claimed buffer is being filled; the read loop completes that read itself.
        if (_readerBufferClaimed)
            return;
        var waiter = _readWaiter;
        var inline = _readerInline;
        ClearReaderLocked();
        if (waiter is null)
            return;
        // Under the stream's lock: an inline reader's continuation must not run here.
        if (inline)
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.TrySetResult(-1), waiter, preferLocal: false);
        else
            waiter.TrySetResult(-1);
    }

    private void ClearReaderLocked()
    {
        _readWaiter = null;
        _readerInline = false;
        _readerBuffer = default;
        _readerBufferClaimed = false;
    }

    /// <summary>
    /// Called by the read loop for a DATA frame of <paramref name="length"/> bytes: if a reader is waiting
    /// with an empty queue and a buffer large enough, claims that buffer so the payload is read straight into it.
    /// </summary>
    internal bool TryClaimReaderBuffer(int length, out Memory<byte> target)
    {
        lock (_gate)
        {
            if (_readWaiter == null || _readerBufferClaimed || HasBufferedLocked || _readError != null || _remoteEnded
                || _readerBuffer.Length < length || length > _receiveCredit)
            {
                target = default;
                return false;
            }
            _receiveCredit -= length;
            _readerBufferClaimed = true;
            target = _readerBuffer[..length];
            return true;
        }
    }

    /// <summary>The read loop finished (or failed, <paramref name="filled"/> = -1) filling a claimed reader buffer.</summary>
    internal void CompleteClaimedRead(int filled)
    {
        TaskCompletionSource<int>? waiter;
        lock (_gate)
        {
            waiter = _readWaiter;
            ClearReaderLocked();
            if (filled > 0)
                AcknowledgeLocked(filled);
        }
        waiter?.TrySetResult(filled);
    }

    private void ReleaseReadSide()
    {
        bool tellPeer;
        lock (_gate)
        {
            tellPeer = !_remoteEnded && !_finished;
            _readError ??= new ObjectDisposedException(nameof(MuxStream));
            DropBufferedLocked();
            _finished = true;
        }
        if (tellPeer)
        {
            // We finished writing but stop reading: ask the peer to stop sending. Frames leave in queue
            // order, so this RESET follows our END and the peer still reads everything we sent.
            Span<byte> payload = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)StreamErrorCode.NoError);
            _connection.Writer.WriteControl(FrameType.Reset, Id, payload);
        }
        _connection.OnStreamFinished(this);
    }

    private void FinishIfDone()
    {
        lock (_gate)
        {
            if (_finished || !_localEnded || !_remoteEnded)
                return;
            _finished = true;
        }
        _connection.OnStreamFinished(this);
    }

    private async Task AwaitOrResetAsync(Task wait, CancellationToken cancellationToken)
    {
        try
        {
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Reset(StreamErrorCode.Cancelled);
            throw;
        }
    }

    private readonly record struct Segment(byte[] Array, int Offset, int Length);
}
