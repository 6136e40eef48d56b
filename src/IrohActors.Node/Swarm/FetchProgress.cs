namespace IrohActors.Node.Swarm;

/// <summary>
/// Counters one fetch worker advances and its download actor samples (the only state the two share; every field is
/// read and written atomically). A request covers one contiguous span, and verified items arrive in order, so
/// "what is verified and handed to the store" is the prefix up to <see cref="VerifiedEnd"/>.
/// </summary>
internal sealed class FetchProgress(ulong start)
{
    private long _bytesReceived;
    private long _verifiedEnd = (long)start;
    private long _dataBytes;

    /// <summary>Verified data (leaf) bytes written straight to the store by this request (runs of children only).</summary>
    public long DataBytes => Interlocked.Read(ref _dataBytes);

    /// <summary>Counts verified data bytes written.</summary>
    public void AddData(int count) => Interlocked.Add(ref _dataBytes, count);

    /// <summary>Response bytes received so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>The end (exclusive, in units of the job) of the verified prefix handed to the store.</summary>
    public ulong VerifiedEnd => (ulong)Interlocked.Read(ref _verifiedEnd);

    /// <summary>Counts received bytes.</summary>
    public void AddBytes(int count) => Interlocked.Add(ref _bytesReceived, count);

    /// <summary>Moves the verified prefix forward.</summary>
    public void Verified(ulong end) => Interlocked.Exchange(ref _verifiedEnd, (long)end);
}

/// <summary>A read-only view of a response that adds every byte read to a <see cref="FetchProgress"/>.</summary>
internal sealed class ProgressReadStream(Stream inner, FetchProgress progress) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        progress.AddBytes(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        progress.AddBytes(n);
        return n;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
