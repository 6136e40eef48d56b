using System.Buffers;

namespace IrohActors.Node.Transport;

/// <summary>
/// Sits between SslStream and the socket and gathers the TLS records of one mux batch into large socket writes.
/// SslStream hands its inner stream one write per record (at most 16 KiB of plaintext each), so a 448 KiB batch
/// became about 28 <c>send</c> calls, each paying the loopback's whole transmit path and waking the receiver.
/// Between <see cref="BeginBatch"/> and <see cref="EndBatchAsync"/> records are appended to a pooled buffer and
/// sent <see cref="BufferBytes"/> at a time; outside a batch (handshake, close_notify, anything SslStream writes on
/// its own) writes go straight through. Every byte keeps its order: a pass-through write first sends what is buffered.
/// Reads are gathered the same way: SslStream asks for about a record at a time (about twenty <c>recv</c> calls per 256 KiB sent), so
/// small reads are served from a <see cref="BufferBytes"/> read-ahead filled by one <c>recv</c> of whatever has arrived
/// (one copy of 256 KiB is cheaper than twenty system calls). One reader at a time, as SslStream reads.
/// </summary>
internal sealed class CoalescingTransport(Stream inner) : Stream
{
    /// <summary>Bytes gathered before a socket write (a multiple of what the kernel moves well in one call).</summary>
    public const int BufferBytes = 256 * 1024;

    private readonly SemaphoreSlim _send = new(1, 1);
    private byte[]? _buffer;
    private int _length;
    private int _batches;
    private byte[]? _readAhead;
    private int _readStart;
    private int _readEnd;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>From now until <see cref="EndBatchAsync"/>, writes are gathered (batches may nest; the outermost end sends).</summary>
    public void BeginBatch() => Interlocked.Increment(ref _batches);

    /// <summary>Ends a batch and sends what it gathered.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Decrement(ref _batches) > 0)
            return;
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendBufferedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _batches) == 0)
            {
                await SendBufferedAsync(cancellationToken).ConfigureAwait(false);
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }
            _buffer ??= ArrayPool<byte>.Shared.Rent(BufferBytes);
            if (_length + buffer.Length > _buffer.Length)
                await SendBufferedAsync(cancellationToken).ConfigureAwait(false);
            if (buffer.Length >= _buffer.Length)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }
            buffer.Span.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }
        finally
        {
            _send.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendBufferedAsync(cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readEnd > _readStart)
            return ValueTask.FromResult(TakeReadAhead(buffer.Span));
        if (buffer.Length >= BufferBytes / 2)
            return inner.ReadAsync(buffer, cancellationToken);
        return FillAndTakeAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> FillAndTakeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _readAhead ??= ArrayPool<byte>.Shared.Rent(BufferBytes);
        var n = await inner.ReadAsync(_readAhead.AsMemory(0, BufferBytes), cancellationToken).ConfigureAwait(false);
        (_readStart, _readEnd) = (0, n);
        return n == 0 ? 0 : TakeReadAhead(buffer.Span);
    }

    private int TakeReadAhead(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _readEnd - _readStart);
        _readAhead.AsSpan(_readStart, n).CopyTo(destination);
        _readStart += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            // A read in progress may still fill the read-ahead: it is left to the collector.
            _readAhead = null;
            // A send in progress still owns the buffer; it is returned only when no one holds the send lock.
            if (_send.Wait(0))
            {
                if (_buffer is not null)
                    ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
                _length = 0;
                _send.Release();
            }
        }
        base.Dispose(disposing);
    }

    // Called holding _send.
    private async ValueTask SendBufferedAsync(CancellationToken cancellationToken)
    {
        if (_length == 0)
            return;
        var length = _length;
        _length = 0;
        await inner.WriteAsync(_buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
    }
}
