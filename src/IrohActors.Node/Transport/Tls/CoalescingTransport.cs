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
/// (one copy of 256 KiB is cheaper than twenty system calls). Reads from the read-ahead end where a TLS record ends, so
/// SslStream receives whole records and never moves a partial one to the front of its buffer (0.03 s per GiB of
/// <c>ArrayBuffer</c> compaction otherwise). One reader at a time, as SslStream reads.
/// </summary>
internal sealed class CoalescingTransport(Stream inner) : Stream
{
    /// <summary>Bytes gathered before a socket write (a multiple of what the kernel moves well in one call).</summary>
    public const int BufferBytes = 256 * 1024;

    private readonly SemaphoreSlim _send = new(1, 1);
    private byte[]? _buffer;
    private int _length;
    private int _batches;
    /// <summary>A TLS record header: type, version, 16-bit length.</summary>
    private const int RecordHeader = 5;

    private byte[]? _readAhead;
    private int _readStart;
    private int _readEnd;
    // Where the bytes handed to the reader are in the record stream: bytes of the current record still to come (0: at a
    // record's start, or inside its header), and the part of a header handed out so far.
    private readonly byte[] _header = new byte[RecordHeader];
    private int _recordLeft;
    private int _headerHave;

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
            return ReadDirectAsync(buffer, cancellationToken);
        return FillAndTakeAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> ReadDirectAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Track(buffer.Span[..n]);
        return n;
    }

    private async ValueTask<int> FillAndTakeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _readAhead ??= ArrayPool<byte>.Shared.Rent(BufferBytes);
        var n = await inner.ReadAsync(_readAhead.AsMemory(0, BufferBytes), cancellationToken).ConfigureAwait(false);
        (_readStart, _readEnd) = (0, n);
        return n == 0 ? 0 : TakeReadAhead(buffer.Span);
    }

    // Hands out read-ahead bytes, up to the end of the record they belong to.
    private int TakeReadAhead(Span<byte> destination)
    {
        var available = _readEnd - _readStart;
        if (_recordLeft == 0 && _headerHave == 0 && available >= RecordHeader)
            _recordLeft = RecordHeader + System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_readAhead.AsSpan(_readStart + 3, 2));
        var n = Math.Min(destination.Length, available);
        if (_recordLeft > 0)
            n = Math.Min(n, _recordLeft);
        var given = _readAhead.AsSpan(_readStart, n);
        given.CopyTo(destination);
        _readStart += n;
        Track(given);
        return n;
    }

    // Follows the record stream through the bytes just handed out (headers may arrive in pieces).
    private void Track(ReadOnlySpan<byte> given)
    {
        while (!given.IsEmpty)
        {
            if (_recordLeft > 0)
            {
                var body = Math.Min(_recordLeft, given.Length);
                _recordLeft -= body;
                given = given[body..];
                continue;
            }
            var part = Math.Min(RecordHeader - _headerHave, given.Length);
            given[..part].CopyTo(_header.AsSpan(_headerHave));
            _headerHave += part;
            given = given[part..];
            if (_headerHave == RecordHeader)
            {
                _recordLeft = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(3));
                _headerHave = 0;
            }
        }
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
