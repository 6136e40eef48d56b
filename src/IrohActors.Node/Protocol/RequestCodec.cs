using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Node.Protocol;

/// <summary>
/// Encodes and decodes requests of protocol v1: one version byte (<see cref="Version"/>) followed by iroh-blobs'
/// postcard <c>Request</c> (type byte, then the body), so after the version byte a Get is byte-for-byte iroh's.
/// </summary>
public static class RequestCodec
{
    /// <summary>The protocol version this code speaks.</summary>
    public const byte Version = 1;

    /// <summary>The request header bytes for <paramref name="request"/>.</summary>
    public static byte[] Encode(BlobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var w = new WireWriter();
        w.WriteByte(Version);
        w.WriteByte((byte)request.Type);
        switch (request)
        {
            case GetRequest get:
                w.WriteBytes(get.Hash.AsSpan());
                WriteSeq(w, get.Ranges);
                break;
            case GetManyRequest many:
                w.WriteVarint((ulong)many.Hashes.Count);
                foreach (var h in many.Hashes)
                    w.WriteBytes(h.AsSpan());
                WriteSeq(w, many.Ranges);
                break;
            case ObserveRequest observe:
                w.WriteBytes(observe.Hash.AsSpan());
                w.WriteRangeSpec(observe.Ranges);
                w.WriteByte(observe.Follow ? (byte)1 : (byte)0);
                break;
            default:
                throw new ArgumentException($"unknown request type {request.GetType().Name}", nameof(request));
        }
        return w.ToArray();
    }

    /// <summary>Decodes a request header.</summary>
    /// <exception cref="MalformedRequestException">The bytes are not a v1 request; the message names the offset.</exception>
    public static BlobRequest Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new WireReader(bytes);
        var version = r.ReadByte("version");
        if (version != Version)
            throw new MalformedRequestException(0, $"protocol version {version} is not supported (this node speaks {Version})");
        var typeOffset = r.Offset;
        var type = r.ReadByte("request type");
        BlobRequest request = type switch
        {
            (byte)RequestType.Get => new GetRequest(ReadHash(ref r, "hash"), ReadSeq(ref r)),
            (byte)RequestType.GetMany => ReadGetMany(ref r),
            (byte)RequestType.Observe => new ObserveRequest(ReadHash(ref r, "hash"), r.ReadRangeSpec("observe ranges"), ReadBool(ref r, "follow flag")),
            _ => throw new MalformedRequestException(typeOffset, $"unknown request type 0x{type:x2}"),
        };
        r.ExpectEnd("request");
        return request;
    }

    /// <summary>Writes a <see cref="ChunkRangesSeq"/> in iroh's wire form: count, then (offset delta, RangeSpec) per entry.</summary>
    internal static void WriteSeq(WireWriter w, ChunkRangesSeq seq)
    {
        w.WriteVarint((ulong)seq.Entries.Count);
        ulong previous = 0;
        foreach (var (offset, ranges) in seq.Entries)
        {
            w.WriteVarint(offset - previous);
            previous = offset;
            w.WriteRangeSpec(ranges);
        }
    }

    internal static ChunkRangesSeq ReadSeq(ref WireReader r)
    {
        var start = r.Offset;
        var count = r.ReadCount("range sequence", 2);
        var entries = new (ulong, ChunkRanges)[count];
        ulong offset = 0;
        for (var i = 0; i < count; i++)
        {
            var at = r.Offset;
            var delta = r.ReadVarint("range sequence offset");
            if (i > 0 && delta == 0)
                throw new MalformedRequestException(at, $"range sequence entry {i} repeats offset {offset}");
            if (ulong.MaxValue - offset < delta)
                throw new MalformedRequestException(at, $"range sequence entry {i} overflows 64 bits");
            offset += delta;
            entries[i] = (offset, r.ReadRangeSpec($"ranges of entry {i}"));
        }
        try
        {
            return ChunkRangesSeq.FromEntries(entries);
        }
        catch (ArgumentException e)
        {
            throw new MalformedRequestException(start, e.Message);
        }
    }

    private static GetManyRequest ReadGetMany(ref WireReader r)
    {
        var count = r.ReadCount("hash count", Hash.Size);
        var hashes = new Hash[count];
        for (var i = 0; i < count; i++)
            hashes[i] = ReadHash(ref r, $"hash {i}");
        return new GetManyRequest(hashes, ReadSeq(ref r));
    }

    private static Hash ReadHash(ref WireReader r, string what) => Hash.FromBytes(r.ReadBytes(Hash.Size, what));

    private static bool ReadBool(ref WireReader r, string what)
    {
        var at = r.Offset;
        return r.ReadByte(what) switch
        {
            0 => false,
            1 => true,
            var b => throw new MalformedRequestException(at, $"{what}: {b} is not 0 or 1"),
        };
    }
}
