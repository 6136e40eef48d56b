using System.Buffers.Binary;
using System.Text;
using IrohActors.Bao;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Protocol;

/// <summary>Writes and reads the item headers of v1 responses (blob header, error frame, observe item).</summary>
internal static class ResponseFraming
{
    /// <summary>An error message is cut to this many UTF-8 bytes.</summary>
    public const int MaxErrorMessage = 1024;

    /// <summary>Bytes of a blob item's header: the tag, then the 8-byte size.</summary>
    public const int BlobHeaderSize = 9;

    public static byte[] BlobHeader(ulong size)
    {
        var header = new byte[BlobHeaderSize];
        WriteBlobHeader(header, size);
        return header;
    }

    /// <summary>Writes a blob item's header (<see cref="BlobHeaderSize"/> bytes) at the start of <paramref name="destination"/>.</summary>
    public static void WriteBlobHeader(Span<byte> destination, ulong size)
    {
        destination[0] = (byte)ResponseTag.Blob;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[1..BlobHeaderSize], size);
    }

    public static byte[] ErrorFrame(ErrorCode code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        if (text.Length > MaxErrorMessage)
            text = text[..MaxErrorMessage];
        var w = new WireWriter();
        w.WriteByte((byte)ResponseTag.Error);
        w.WriteByte((byte)code);
        w.WriteVarint((ulong)text.Length);
        w.WriteBytes(text);
        return w.ToArray();
    }

    public static byte[] ObserveItem(ulong size, ChunkRanges ranges)
    {
        var w = new WireWriter();
        w.WriteByte((byte)ResponseTag.Observe);
        w.WriteVarint(size);
        w.WriteRangeSpec(ranges);
        return w.ToArray();
    }

    /// <summary>Reads the next item's tag; null at a clean end of the response.</summary>
    public static async ValueTask<ResponseTag?> ReadTagAsync(Stream stream, NodeId peer, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var n = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
        if (n == 0)
            return null;
        return one[0] switch
        {
            (byte)ResponseTag.Blob => ResponseTag.Blob,
            (byte)ResponseTag.Error => ResponseTag.Error,
            (byte)ResponseTag.Observe => ResponseTag.Observe,
            var t => throw new ResponseFormatException(peer, $"unknown item tag 0x{t:x2}"),
        };
    }

    /// <summary>
    /// Reads the header of the blob item a request asked for next and returns its size: an error frame in its place
    /// is thrown as the provider's error, an early end or another item as a format error naming <paramref name="hash"/>.
    /// </summary>
    public static async ValueTask<ulong> ReadBlobHeaderAsync(Stream stream, NodeId peer, Blake3.Hash hash, CancellationToken cancellationToken)
    {
        switch (await ReadTagAsync(stream, peer, cancellationToken).ConfigureAwait(false))
        {
            case ResponseTag.Blob:
                return await ReadSizeAsync(stream, peer, cancellationToken).ConfigureAwait(false);
            case ResponseTag.Error:
                throw await ReadErrorAsync(stream, peer, cancellationToken).ConfigureAwait(false);
            case null:
                throw new ResponseFormatException(peer, $"the response ended before blob {hash.ToHex()}");
            case var tag:
                throw new ResponseFormatException(peer, $"expected blob {hash.ToHex()}, got a {tag} item");
        }
    }

    /// <summary>
    /// After the last requested item the provider ends the stream; an error frame there is thrown as the provider's
    /// error, anything else as a format error.
    /// </summary>
    public static async ValueTask ExpectEndAsync(Stream stream, NodeId peer, CancellationToken cancellationToken)
    {
        switch (await ReadTagAsync(stream, peer, cancellationToken).ConfigureAwait(false))
        {
            case null:
                return;
            case ResponseTag.Error:
                throw await ReadErrorAsync(stream, peer, cancellationToken).ConfigureAwait(false);
            case var tag:
                throw new ResponseFormatException(peer, $"unexpected {tag} item after the last requested blob");
        }
    }

    /// <summary>Reads the 8-byte size that follows a blob tag.</summary>
    public static async ValueTask<ulong> ReadSizeAsync(Stream stream, NodeId peer, CancellationToken cancellationToken)
    {
        var buffer = new byte[8];
        await ReadExactlyAsync(stream, buffer, peer, "blob size header", cancellationToken).ConfigureAwait(false);
        return BinaryPrimitives.ReadUInt64LittleEndian(buffer);
    }

    /// <summary>Reads the rest of an error frame (after its tag) and returns it as an exception to throw.</summary>
    public static async ValueTask<ProviderErrorException> ReadErrorAsync(Stream stream, NodeId peer, CancellationToken cancellationToken)
    {
        var code = await ReadByteAsync(stream, peer, "error code", cancellationToken).ConfigureAwait(false);
        var length = await ReadVarintAsync(stream, peer, "error message length", cancellationToken).ConfigureAwait(false);
        if (length > MaxErrorMessage)
            throw new ResponseFormatException(peer, $"error message of {length} bytes exceeds {MaxErrorMessage}");
        var text = new byte[length];
        await ReadExactlyAsync(stream, text, peer, "error message", cancellationToken).ConfigureAwait(false);
        var known = Enum.IsDefined(typeof(ErrorCode), code) ? (ErrorCode)code : ErrorCode.Internal;
        return new ProviderErrorException(peer, known, Encoding.UTF8.GetString(text));
    }

    /// <summary>Reads the rest of an observe item (after its tag).</summary>
    public static async ValueTask<(ulong Size, ChunkRanges Ranges)> ReadObserveAsync(Stream stream, NodeId peer, CancellationToken cancellationToken)
    {
        var size = await ReadVarintAsync(stream, peer, "observed size", cancellationToken).ConfigureAwait(false);
        var count = await ReadVarintAsync(stream, peer, "observed range count", cancellationToken).ConfigureAwait(false);
        if (count > 1 << 20)
            throw new ResponseFormatException(peer, $"observed range count {count} is implausible");
        var boundaries = new ulong[count];
        ulong previous = 0;
        for (var i = 0; i < (int)count; i++)
        {
            previous += await ReadVarintAsync(stream, peer, "observed range boundary", cancellationToken).ConfigureAwait(false);
            boundaries[i] = previous;
        }
        try
        {
            return (size, ChunkRanges.FromBoundaries(boundaries));
        }
        catch (ArgumentException e)
        {
            throw new ResponseFormatException(peer, $"observed ranges: {e.Message}", e);
        }
    }

    private static async ValueTask<byte> ReadByteAsync(Stream stream, NodeId peer, string what, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        await ReadExactlyAsync(stream, one, peer, what, cancellationToken).ConfigureAwait(false);
        return one[0];
    }

    private static async ValueTask<ulong> ReadVarintAsync(Stream stream, NodeId peer, string what, CancellationToken cancellationToken)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = await ReadByteAsync(stream, peer, what, cancellationToken).ConfigureAwait(false);
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw new ResponseFormatException(peer, $"{what}: varint longer than 10 bytes");
    }

    private static async ValueTask ReadExactlyAsync(Stream stream, Memory<byte> buffer, NodeId peer, string what, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[done..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new ResponseFormatException(peer, $"{what}: the stream ended after {done} of {buffer.Length} bytes");
            done += n;
        }
    }
}
