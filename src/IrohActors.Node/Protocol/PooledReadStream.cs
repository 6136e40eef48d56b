using System.Buffers;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Protocol;

/// <summary>
/// A read-only buffer in front of a response stream whose buffer is rented from the shared pool and returned on
/// dispose. <see cref="BufferedStream"/> allocates its buffer anew: at 256 KiB that is a large-object-heap array per
/// request, and a swarm download makes one request per span, so its garbage grew with the blob. Reads at least as
/// large as the buffer bypass it. Over a <see cref="MuxStream"/>, a frame payload the mux had to queue (its reader was
/// busy when it arrived) is adopted whole rather than copied into the buffer. The inner stream is not disposed (its owner does that).
/// </summary>
internal sealed class PooledReadStream(Stream inner, int bufferBytes) : Stream
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
    // A queued mux frame being read from in place of the buffer (returned to the pool once used up).
    private byte[]? _adopted;
    private int _start;
    private int _end;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        var buffer = Buffer();
        if (_start == _end)
        {
            if (TryAdopt())
                return Take(_adopted!, destination);
            if (destination.Length >= buffer.Length)
                return inner.Read(destination);
            _start = 0;
            _end = inner.Read(buffer);
        }
        return Take(_adopted ?? buffer, destination);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var buffer = Buffer();
        if (_start == _end)
        {
            if (TryAdopt())
                return Take(_adopted!, destination.Span);
            if (destination.Length >= buffer.Length)
                return await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
            _start = 0;
            _end = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        return Take(_adopted ?? buffer, destination.Span);
    }

    /// <summary>With the buffer used up: drops an adopted frame, and adopts the mux's next queued one if there is one.</summary>
    private bool TryAdopt()
    {
        if (_adopted is not null)
        {
            ArrayPool<byte>.Shared.Return(_adopted);
            _adopted = null;
        }
        if (inner is not MuxStream mux || !mux.TryTakeSegment(out var segment, out var offset, out var length))
            return false;
        (_adopted, _start, _end) = (segment, offset, offset + length);
        return true;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (Interlocked.Exchange(ref _adopted, null) is { } adopted)
                ArrayPool<byte>.Shared.Return(adopted);
        }
        base.Dispose(disposing);
    }

    private byte[] Buffer() => _buffer ?? throw new ObjectDisposedException(nameof(PooledReadStream));

    private int Take(byte[] buffer, Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _end - _start);
        buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }
}
