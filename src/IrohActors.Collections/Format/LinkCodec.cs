using IrohActors.Blake3;

namespace IrohActors.Collections.Format;

/// <summary>Encodes and decodes one link: varint name length, name bytes, 32-byte hash.</summary>
internal static class LinkCodec
{
    /// <summary>Encoded size of a link with a name of <paramref name="nameLength"/> bytes.</summary>
    public static int EncodedSize(int nameLength) => Varint.SizeOf((ulong)nameLength) + nameLength + CollectionLayout.HashSize;

    /// <summary>Writes a link; the destination must hold <see cref="EncodedSize"/> bytes.</summary>
    public static int Encode(Span<byte> destination, ReadOnlySpan<byte> name, Hash hash)
    {
        int n = Varint.Write(destination, (ulong)name.Length);
        name.CopyTo(destination[n..]);
        n += name.Length;
        hash.CopyTo(destination[n..]);
        return n + CollectionLayout.HashSize;
    }

    /// <summary>
    /// Decodes the link at the start of <paramref name="source"/> (which lies at absolute offset <paramref name="at"/>).
    /// Returns false when the source ends inside the link; throws on a malformed link.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, long at, out Link link, out int consumed)
    {
        link = default;
        consumed = 0;
        var status = Varint.TryRead(source, out ulong nameLength, out int n);
        if (status == VarintStatus.Truncated)
            return false;
        if (status != VarintStatus.Ok)
            throw new CollectionFormatException($"link name length: {Varint.Describe(status)}", at);
        if (nameLength > CollectionLayout.MaxNameLength)
            throw new CollectionFormatException($"link name of {nameLength} bytes, at most {CollectionLayout.MaxNameLength} allowed", at);
        int total = n + (int)nameLength + CollectionLayout.HashSize;
        if (source.Length < total)
            return false;
        var name = source.Slice(n, (int)nameLength).ToArray();
        link = new Link(name, Hash.FromBytes(source.Slice(n + (int)nameLength, CollectionLayout.HashSize)));
        consumed = total;
        return true;
    }
}
