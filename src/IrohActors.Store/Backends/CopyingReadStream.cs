using Microsoft.Win32.SafeHandles;

namespace IrohActors.Store.Backends;

/// <summary>
/// A forward-only read stream over <c>source</c> that writes every byte it hands out to <c>target</c>: the
/// outboard builder reads the source once, and the copy it writes is exactly the bytes it hashed.
/// </summary>
internal sealed class CopyingReadStream(Stream source, SafeFileHandle target) : Stream
{
    private long _copied;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _copied;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = source.Read(buffer);
        if (n > 0)
        {
            RandomAccess.Write(target, buffer[..n], _copied);
            _copied += n;
        }
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
