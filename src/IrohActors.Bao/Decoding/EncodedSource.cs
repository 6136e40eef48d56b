using System.Buffers;

namespace IrohActors.Bao;

/// <summary>Where a decoder reads parent pairs and leaf data from; reports a short read as <see cref="BaoFailure.Missing"/>.</summary>
internal abstract class EncodedSource
{
    public abstract ValueTask ReadAsync(BaoChunk chunk, Memory<byte> destination, CancellationToken cancellationToken);

    public abstract void Read(BaoChunk chunk, Span<byte> destination);

    protected static async ValueTask FillAsync(Stream stream, BaoChunk chunk, Memory<byte> destination, string? where, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = await stream.ReadAsync(destination[done..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new BaoVerificationException(BaoFailure.Missing, chunk, where);
            done += n;
        }
    }

    protected static void Fill(Stream stream, BaoChunk chunk, Span<byte> destination, string? where)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var n = stream.Read(destination[done..]);
            if (n == 0)
                throw new BaoVerificationException(BaoFailure.Missing, chunk, where);
            done += n;
        }
    }
}

/// <summary>One stream carrying pairs and leaves interleaved (a response, a bao encoding or slice).</summary>
internal sealed class StreamEncodedSource(Stream stream, string? where) : EncodedSource
{
    public override ValueTask ReadAsync(BaoChunk chunk, Memory<byte> destination, CancellationToken cancellationToken) =>
        FillAsync(stream, chunk, destination, where, cancellationToken);

    public override void Read(BaoChunk chunk, Span<byte> destination) => Fill(stream, chunk, destination, where);
}

/// <summary>Pairs from a pre-order outboard stream and leaves from the data stream, both read front to back.</summary>
internal sealed class SplitEncodedSource(Stream outboard, Stream data, string? where) : EncodedSource
{
    public override ValueTask ReadAsync(BaoChunk chunk, Memory<byte> destination, CancellationToken cancellationToken) =>
        FillAsync(chunk.Kind == BaoChunkKind.Parent ? outboard : data, chunk, destination, where, cancellationToken);

    public override void Read(BaoChunk chunk, Span<byte> destination) =>
        Fill(chunk.Kind == BaoChunkKind.Parent ? outboard : data, chunk, destination, where);
}

/// <summary>
/// A <see cref="System.IO.Pipelines.PipeReader"/> carrying pairs and leaves interleaved: each item is copied out
/// of the pipe's buffers and consumed at once (the pipe never holds back more than it buffered anyway), so the
/// reader is left exactly after the blob.
/// </summary>
internal sealed class PipeEncodedSource(System.IO.Pipelines.PipeReader reader, string? where) : EncodedSource
{
    public override async ValueTask ReadAsync(BaoChunk chunk, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            done += Take(chunk, result, destination.Span[done..]);
        }
    }

    public override void Read(BaoChunk chunk, Span<byte> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            if (!reader.TryRead(out var result))
                result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            done += Take(chunk, result, destination[done..]);
        }
    }

    // Copies what the pipe holds (up to the destination's length) and consumes exactly that.
    private int Take(BaoChunk chunk, System.IO.Pipelines.ReadResult result, Span<byte> destination)
    {
        var buffer = result.Buffer;
        var n = (int)Math.Min(buffer.Length, destination.Length);
        buffer.Slice(0, n).CopyTo(destination);
        if (n == 0)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
                throw new BaoVerificationException(BaoFailure.Missing, chunk, where);
            return 0;
        }
        reader.AdvanceTo(buffer.GetPosition(n));
        return n;
    }
}

/// <summary>
/// An encoded stream already in memory. Decoding into memory takes leaves straight from it: the copy to the
/// target is done by the verifying thread right before it hashes the leaf (cache-hot, on all cores), not by the reader.
/// </summary>
internal sealed class MemoryEncodedSource(ReadOnlyMemory<byte> encoded, string? where) : EncodedSource
{
    private int _position;

    public ReadOnlyMemory<byte> Bytes => encoded;

    /// <summary>Bytes of the encoding consumed so far.</summary>
    public int Position => _position;

    public override ValueTask ReadAsync(BaoChunk chunk, Memory<byte> destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Read(chunk, destination.Span);
        return ValueTask.CompletedTask;
    }

    public override void Read(BaoChunk chunk, Span<byte> destination) =>
        encoded.Span.Slice(Skip(chunk, destination.Length), destination.Length).CopyTo(destination);

    /// <summary>Consumes <paramref name="length"/> bytes without copying them; returns where they start.</summary>
    public int Skip(BaoChunk chunk, int length)
    {
        if (encoded.Length - _position < length)
        {
            _position = encoded.Length;
            throw new BaoVerificationException(BaoFailure.Missing, chunk, where);
        }
        var at = _position;
        _position += length;
        return at;
    }
}
