namespace IrohActors.Node.Transport;

/// <summary>
/// Reads frames from the TLS stream through a 64 KiB buffer; large payloads are read straight into the
/// caller's memory once the buffered part is used up, so bulk data is copied only once here.
/// </summary>
internal sealed class FrameReader
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _transport;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private long _bytesReceived;

    public FrameReader(Stream transport) => _transport = transport;

    /// <summary>Bytes read from the TLS stream so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Reads the next header; null when the transport ends cleanly between frames.</summary>
    /// <exception cref="EndOfStreamException">The transport ended inside a header.</exception>
    public async ValueTask<FrameHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (_end - _start < FrameHeader.Size)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_end == _start)
                    return null;
                throw new EndOfStreamException($"transport ended inside a frame header ({_end - _start} of {FrameHeader.Size} bytes)");
            }
        }
        var header = FrameHeader.Read(_buffer.AsSpan(_start, FrameHeader.Size));
        _start += FrameHeader.Size;
        return header;
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length payload bytes.</summary>
    public async ValueTask ReadPayloadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, buffered).CopyTo(destination.Span);
        _start += buffered;
        destination = destination[buffered..];
        while (destination.Length > 0)
        {
            if (destination.Length >= BufferSize / 2)
            {
                var n = await _transport.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                    throw new EndOfStreamException($"transport ended inside a frame payload ({destination.Length} bytes missing)");
                Interlocked.Add(ref _bytesReceived, n);
                destination = destination[n..];
            }
            else
            {
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                    throw new EndOfStreamException($"transport ended inside a frame payload ({destination.Length} bytes missing)");
                var n = Math.Min(destination.Length, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(destination.Span);
                _start += n;
                destination = destination[n..];
            }
        }
    }

    /// <summary>Reads and discards <paramref name="count"/> payload bytes.</summary>
    public async ValueTask SkipAsync(int count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_end == _start && !await FillAsync(cancellationToken).ConfigureAwait(false))
                throw new EndOfStreamException($"transport ended inside a skipped frame payload ({count} bytes missing)");
            var n = Math.Min(count, _end - _start);
            _start += n;
            count -= n;
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        var n = await _transport.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (n == 0)
            return false;
        Interlocked.Add(ref _bytesReceived, n);
        _end += n;
        return true;
    }
}
