using System.Buffers;

namespace IrohActors.Node.Transport;

/// <summary>
/// Serialises frames onto the TLS stream with large writes, strictly in the order they were queued.
/// Writers copy whole frames into a batch buffer while one send loop writes the previous batch (double
/// buffering), so the TLS layer sees writes as large as the data allows and each byte is copied once.
/// Stream frames (OPEN, DATA, END) wait while the batch holds <see cref="BatchSize"/> bytes; control frames
/// (WINDOW, PING, PONG, RESET, GOAWAY) never wait: they use the batch's reserved tail, growing it if ever
/// needed, so the connection's read loop can always answer without blocking on the write side.
/// A writer may defer flushing its DATA (a provider's response, item by item): the send loop is then not woken for it,
/// and when the writer fills the batch while nobody is sending, it encrypts and sends the batch itself, on its own
/// thread (no hand-off per batch). Anything queued without deferring, <see cref="Flush"/>, a writer waiting for room,
/// and completion make the send loop take whatever is queued, deferred data included, so nothing waits for ever.
/// </summary>
internal sealed class FrameWriter
{
    /// <summary>Stream frames fill a batch up to this many bytes.</summary>
    public const int BatchSize = 448 * 1024;

    /// <summary>Reserved after <see cref="BatchSize"/> for control frames (buffers are 512 KiB, one pool bucket).</summary>
    private const int ControlTail = 64 * 1024;

    /// <summary>Do not cut data into frames smaller than this just to fill a batch's tail.</summary>
    private const int MinDataSlice = 16 * 1024;

    private readonly Stream _transport;
    private readonly CoalescingTransport? _coalescer;
    private readonly Action<Exception> _onFailure;
    private readonly object _gate = new();
    private byte[] _fill;
    private byte[]? _spare;
    private int _fillLength;
    // Where the last frame of the current batch starts if it is DATA (consecutive writes of its stream extend it), else -1.
    private int _lastDataFrame = -1;
    private uint _lastDataStream;
    private TaskCompletionSource? _wake;
    // A batch is being written to the transport (by the send loop or by a deferring writer): one writer at a time.
    private bool _sending;
    // Queued bytes somebody expects to leave without waiting for the batch to fill (everything but deferred data).
    private bool _needsFlush;
    private TaskCompletionSource _drained = NewSignal();
    private Exception? _failure;
    private bool _completing;
    private Exception? _lateWriterError;
    private long _bytesSent;
    private readonly Task _sendLoop;

    public FrameWriter(Stream transport, CoalescingTransport? coalescer, Action<Exception> onFailure)
    {
        _transport = transport;
        _coalescer = coalescer;
        _onFailure = onFailure;
        _fill = ArrayPool<byte>.Shared.Rent(BatchSize + ControlTail);
        _spare = ArrayPool<byte>.Shared.Rent(BatchSize + ControlTail);
        _sendLoop = Task.Run(SendLoopAsync);
    }

    /// <summary>Bytes handed to the TLS stream so far (frame headers included).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Queues a control frame after everything queued so far; never waits. Dropped once the writer has failed, as the connection is then gone.</summary>
    public void WriteControl(FrameType type, uint streamId, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (_failure != null)
                return;
            var need = FrameHeader.Size + payload.Length;
            if (_fill.Length - _fillLength < need)
            {
                // Only if the control tail overflows (thousands of control frames during one send).
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_fill.Length * 2, _fillLength + need));
                _fill.AsSpan(0, _fillLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_fill);
                _fill = bigger;
            }
            AppendLocked(type, streamId, payload);
        }
    }

    /// <summary>Queues a whole frame, waiting while the batch is full.</summary>
    public async ValueTask WriteFrameAsync(FrameType type, uint streamId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var need = FrameHeader.Size + payload.Length;
        if (need > BatchSize)
            throw new ArgumentOutOfRangeException(nameof(payload), $"a {type} frame payload may be at most {BatchSize - FrameHeader.Size} bytes");
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                ThrowIfUnusable();
                if (BatchSize - _fillLength >= need)
                {
                    AppendLocked(type, streamId, payload.Span);
                    return;
                }
                // The batch is full (perhaps of deferred data): whoever sends next takes it.
                RequestFlushLocked();
                wait = _drained.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues the first bytes of <paramref name="data"/>, at most <paramref name="max"/>, as a DATA frame, or appends
    /// them to the batch's last frame when that is DATA of the same stream (up to <see cref="MuxStream.MaxDataFrame"/>);
    /// returns how many bytes it took (fewer when the batch's or the frame's free room is smaller).
    /// </summary>
    public async ValueTask<int> WriteDataAsync(uint streamId, ReadOnlyMemory<byte> data, int max, CancellationToken cancellationToken, bool defer = false)
    {
        var want = Math.Min(data.Length, max);
        if (want <= 0)
            throw new ArgumentOutOfRangeException(nameof(max), "nothing to write");
        while (true)
        {
            Task? wait = null;
            var taken = 0;
            byte[]? send = null;
            var sendLength = 0;
            lock (_gate)
            {
                ThrowIfUnusable();
                if (_lastDataFrame >= 0 && _lastDataStream == streamId)
                {
                    // Small consecutive writes of one stream (a provider's 64-byte parents and 16 KiB leaves)
                    // become one large frame: the receiver handles few frames whatever the writer's item size.
                    var length = FrameHeader.Read(_fill.AsSpan(_lastDataFrame, FrameHeader.Size)).Length;
                    var extend = Math.Min(Math.Min(want, MuxStream.MaxDataFrame - length), BatchSize - _fillLength);
                    if (extend > 0)
                    {
                        data.Span[..extend].CopyTo(_fill.AsSpan(_fillLength));
                        _fillLength += extend;
                        new FrameHeader(FrameType.Data, streamId, length + extend).Write(_fill.AsSpan(_lastDataFrame));
                        taken = extend;
                    }
                }
                if (taken == 0)
                {
                    var room = BatchSize - _fillLength - FrameHeader.Size;
                    if (room >= Math.Min(want, MinDataSlice))
                    {
                        var n = Math.Min(want, room);
                        var start = _fillLength;
                        AppendLocked(FrameType.Data, streamId, data.Span[..n], wake: !defer);
                        (_lastDataFrame, _lastDataStream) = (start, streamId);
                        taken = n;
                    }
                }
                else if (!defer)
                    RequestFlushLocked();
                if (taken > 0)
                {
                    if (!defer || _sending || BatchSize - _fillLength >= MinDataSlice + FrameHeader.Size)
                        return taken;
                    // A deferring writer filled the batch and nobody is sending: it sends the batch itself.
                    (send, sendLength) = TakeBatchLocked();
                }
                else
                {
                    // The batch is full (perhaps of deferred data): whoever sends next takes it.
                    RequestFlushLocked();
                    wait = _drained.Task;
                }
            }
            if (send is not null)
            {
                await SendCallerRunsAsync(send, sendLength, cancellationToken).ConfigureAwait(false);
                return taken;
            }
            await wait!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lets deferred data leave without waiting for the batch to fill.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_fillLength == 0)
                return;
            RequestFlushLocked();
        }
    }

    // Under the gate: hands the current batch to the caller for sending (swapping in the spare) and marks it sending.
    private (byte[] Batch, int Length) TakeBatchLocked()
    {
        var batch = (_fill, _fillLength);
        (_fill, _spare, _fillLength) = (_spare!, null, 0);
        _lastDataFrame = -1;
        _needsFlush = false;
        _sending = true;
        var drained = _drained;
        _drained = NewSignal();
        drained.TrySetResult();
        return batch;
    }

    /// <summary>How long a cancelled writer's own send may still take before the connection is given up.</summary>
    internal static readonly TimeSpan AbandonSendAfter = TimeSpan.FromSeconds(1);

    // A deferring writer sends the batch it filled, on its own thread: no hand-off to the send loop.
    private async ValueTask SendCallerRunsAsync(byte[] batch, int length, CancellationToken cancellationToken)
    {
        // A TLS write cannot stop half-way. If the writer is cancelled (a provider's stall watchdog) and its send is still
        // stuck a moment later (the peer takes nothing from TCP), the connection is given up, which ends the send;
        // otherwise the request would hold its task, and its slot, for as long as the peer keeps the connection alive.
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var abandon = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state =>
            {
                var (writer, sent) = ((FrameWriter, TaskCompletionSource))state!;
                _ = writer.AbandonIfStuckAsync(sent.Task);
            }, (this, sent))
            : default;
        try
        {
            await SendBatchAsync(batch, length).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure ??= e;
                _drained.TrySetException(_failure);
                EndSendLocked(batch);
                WakeSender();
            }
            _onFailure(e);
            if (cancellationToken.IsCancellationRequested)
                throw new OperationCanceledException("the send was abandoned: the peer took nothing", e, cancellationToken);
            throw;
        }
        finally
        {
            sent.TrySetResult();
        }
        lock (_gate)
        {
            EndSendLocked(batch);
            if (_needsFlush || _completing)
                WakeSender();
        }
    }

    private async Task AbandonIfStuckAsync(Task sent)
    {
        if (await Task.WhenAny(sent, Task.Delay(AbandonSendAfter)).ConfigureAwait(false) != sent)
            _onFailure(new IOException($"a send was stuck for over {AbandonSendAfter.TotalSeconds:0.#} s after its writer gave up: the peer takes nothing"));
    }

    private async ValueTask SendBatchAsync(byte[] batch, int length)
    {
        if (_coalescer is null)
            await _transport.WriteAsync(batch.AsMemory(0, length)).ConfigureAwait(false);
        else
        {
            // SslStream writes one record per 16 KiB: gathered into a few large socket writes.
            _coalescer.BeginBatch();
            try
            {
                await _transport.WriteAsync(batch.AsMemory(0, length)).ConfigureAwait(false);
            }
            finally
            {
                await _coalescer.EndBatchAsync().ConfigureAwait(false);
            }
        }
        Interlocked.Add(ref _bytesSent, length);
    }

    /// <summary>Sends everything queued, then stops the send loop (it flushes the transport); later writers fail with <paramref name="lateWriterError"/>.</summary>
    public Task CompleteAsync(Exception lateWriterError)
    {
        lock (_gate)
        {
            _completing = true;
            _lateWriterError ??= lateWriterError;
            WakeSender();
        }
        return _sendLoop;
    }

    /// <summary>Stops accepting frames: queued and future writers fail with <paramref name="reason"/>.</summary>
    public void Fail(Exception reason)
    {
        lock (_gate)
        {
            _failure ??= reason;
            _completing = true;
            _drained.TrySetException(_failure);
            WakeSender();
        }
    }

    private void AppendLocked(FrameType type, uint streamId, ReadOnlySpan<byte> payload, bool wake = true)
    {
        _lastDataFrame = -1;
        new FrameHeader(type, streamId, payload.Length).Write(_fill.AsSpan(_fillLength));
        payload.CopyTo(_fill.AsSpan(_fillLength + FrameHeader.Size));
        _fillLength += FrameHeader.Size + payload.Length;
        if (wake)
        {
            RequestFlushLocked();
        }
    }

    // Under the gate: queued bytes must leave without waiting for the batch to fill; the send loop takes them.
    private void RequestFlushLocked()
    {
        _needsFlush = true;
        WakeSender();
    }

    // Under the gate: a send finished (or failed); its buffer becomes the spare and the next sender may start.
    private void EndSendLocked(byte[] batch)
    {
        _spare = batch;
        _sending = false;
    }

    private void ThrowIfUnusable()
    {
        if (_failure != null)
            throw _failure;
        if (_completing)
            throw _lateWriterError ?? new InvalidOperationException("the frame writer is completing");
    }

    private void WakeSender()
    {
        _wake?.TrySetResult();
        _wake = null;
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (true)
            {
                byte[]? batch = null;
                var length = 0;
                Task? wait = null;
                lock (_gate)
                {
                    if (_failure != null)
                        return;
                    if (!_sending && _fillLength > 0 && (_needsFlush || _completing))
                        (batch, length) = TakeBatchLocked();
                    else if (!_sending && _fillLength == 0 && _completing)
                        break;
                    else
                    {
                        // Nothing to send, only deferred data (its writer sends it when the batch is full), or a
                        // deferring writer is sending: that writer wakes the loop when it is done.
                        _wake = NewSignal();
                        wait = _wake.Task;
                    }
                }
                if (wait != null)
                {
                    await wait.ConfigureAwait(false);
                    continue;
                }
                await SendBatchAsync(batch!, length).ConfigureAwait(false);
                lock (_gate)
                    EndSendLocked(batch!);
            }
            await _transport.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure ??= e;
                _drained.TrySetException(_failure);
            }
            _onFailure(e);
        }
        finally
        {
            lock (_gate)
            {
                // Writers may still touch _fill under the gate until they see _failure; only the spare goes back.
                if (_spare != null)
                {
                    ArrayPool<byte>.Shared.Return(_spare);
                    _spare = null;
                }
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
