using IrohActors.Blake3;
using IrohActors.Collections.Cids;
using IrohActors.Collections.Format;

namespace IrohActors.Collections;

/// <summary>
/// A CIDv1 for BLAKE3 content: <c>varint(1) ‖ varint(codec) ‖ varint(0x1e blake3) ‖ varint(32) ‖ digest</c>,
/// written as multibase base32 lower (<c>b…</c>). Blobs use <see cref="CidCodec.Raw"/>, collections
/// <see cref="CidCodec.Collection"/>; parsing also accepts <see cref="CidCodec.Blake3HashSeq"/>.
/// </summary>
public readonly struct Cid : IEquatable<Cid>
{
    /// <summary>Multihash code of BLAKE3.</summary>
    public const ulong Blake3MultihashCode = 0x1e;

    private const ulong Version1 = 1;
    private const byte CidV0Marker = 0x12; // sha2-256 multihash code: the first byte of every binary CIDv0

    /// <summary>A CID for <paramref name="hash"/> with content type <paramref name="codec"/>.</summary>
    public Cid(CidCodec codec, Hash hash)
    {
        if (!IsKnown(codec))
            throw new ArgumentOutOfRangeException(nameof(codec), codec, "unsupported CID codec");
        Codec = codec;
        Hash = hash;
    }

    /// <summary>The content type.</summary>
    public CidCodec Codec { get; }

    /// <summary>The BLAKE3 digest.</summary>
    public Hash Hash { get; }

    /// <summary>The CID of a blob (codec raw).</summary>
    public static Cid ForBlob(Hash hash) => new(CidCodec.Raw, hash);

    /// <summary>The CID of a collection (codec <see cref="CidCodec.Collection"/>).</summary>
    public static Cid ForCollection(Hash hash) => new(CidCodec.Collection, hash);

    /// <summary>The binary CID.</summary>
    public byte[] ToBytes()
    {
        Span<byte> buffer = stackalloc byte[4 * Varint.MaxLength + Hash.Size];
        int n = Varint.Write(buffer, Version1);
        n += Varint.Write(buffer[n..], (ulong)Codec);
        n += Varint.Write(buffer[n..], Blake3MultihashCode);
        n += Varint.Write(buffer[n..], Hash.Size);
        Hash.CopyTo(buffer[n..]);
        return buffer[..(n + Hash.Size)].ToArray();
    }

    /// <summary>The text form: <c>b</c> followed by base32 lower of <see cref="ToBytes"/>.</summary>
    public override string ToString() => "b" + Base32.Encode(ToBytes());

    /// <summary>Parses the text form.</summary>
    /// <exception cref="CidFormatException">Not a base32 CIDv1 with a 32-byte BLAKE3 multihash and a known codec.</exception>
    public static Cid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
            throw new CidFormatException("empty CID", 0);
        if (text.Length == 46 && text.StartsWith("Qm", StringComparison.Ordinal))
            throw new CidFormatException($"'{text}' is a CIDv0 (base58btc sha2-256); only CIDv1 with BLAKE3 is supported", 0);
        if (text[0] != 'b')
            throw new CidFormatException(
                $"unknown or unsupported multibase prefix '{text[0]}' in '{Shorten(text)}': only 'b' (base32 lower) is supported", 0);
        var bytes = Base32.TryDecode(text.AsSpan(1), out string? error, out int position);
        if (bytes is null)
            throw new CidFormatException($"invalid CID '{Shorten(text)}': {error} at character {position + 1}", position + 1);
        try
        {
            return FromBytes(bytes);
        }
        catch (CidFormatException e)
        {
            throw new CidFormatException($"invalid CID '{Shorten(text)}': {e.Message}", e.Position);
        }
    }

    /// <summary>Parses the text form; false (with the reason) when it is not a valid CID.</summary>
    public static bool TryParse(string? text, out Cid cid, out string? error)
    {
        cid = default;
        error = null;
        if (text is null)
        {
            error = "null CID";
            return false;
        }
        try
        {
            cid = Parse(text);
            return true;
        }
        catch (CidFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Parses the binary form; the message of a failure names the byte offset.</summary>
    /// <exception cref="CidFormatException">Not a CIDv1 with a 32-byte BLAKE3 multihash and a known codec.</exception>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        int pos = 0;
        if (bytes.Length > 0 && bytes[0] == CidV0Marker)
            throw new CidFormatException("CIDv0 (a bare sha2-256 multihash) is not supported; only CIDv1 with BLAKE3", 0);
        ulong version = ReadVarint(bytes, ref pos, "version");
        if (version != Version1)
            throw new CidFormatException($"CID version {version} at byte 0 is not supported; only version 1", 0);
        int codecAt = pos;
        ulong codec = ReadVarint(bytes, ref pos, "codec");
        if (!IsKnown((CidCodec)codec))
            throw new CidFormatException(
                $"unsupported codec 0x{codec:x} at byte {codecAt}; expected raw (0x55), blake3-hashseq (0x80) or collection (0x{(ulong)CidCodec.Collection:x})",
                codecAt);
        int codeAt = pos;
        ulong code = ReadVarint(bytes, ref pos, "multihash code");
        if (code != Blake3MultihashCode)
            throw new CidFormatException($"multihash code 0x{code:x} at byte {codeAt} is not blake3 (0x1e)", codeAt);
        int lengthAt = pos;
        ulong length = ReadVarint(bytes, ref pos, "digest length");
        if (length != Hash.Size)
            throw new CidFormatException($"digest length {length} at byte {lengthAt}; a BLAKE3 digest here is {Hash.Size} bytes", lengthAt);
        int remaining = bytes.Length - pos;
        if (remaining < Hash.Size)
            throw new CidFormatException($"truncated digest: {remaining} of {Hash.Size} bytes at byte {pos}", bytes.Length);
        if (remaining > Hash.Size)
            throw new CidFormatException($"{remaining - Hash.Size} trailing bytes after the digest at byte {pos + Hash.Size}", pos + Hash.Size);
        return new Cid((CidCodec)codec, Hash.FromBytes(bytes[pos..]));
    }

    /// <inheritdoc/>
    public bool Equals(Cid other) => Codec == other.Codec && Hash == other.Hash;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Cid other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Codec, Hash);

    /// <summary>Same codec and hash.</summary>
    public static bool operator ==(Cid left, Cid right) => left.Equals(right);

    /// <summary>Different codec or hash.</summary>
    public static bool operator !=(Cid left, Cid right) => !left.Equals(right);

    private static bool IsKnown(CidCodec codec) => codec is CidCodec.Raw or CidCodec.Blake3HashSeq or CidCodec.Collection;

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int pos, string what)
    {
        var status = Varint.TryRead(bytes[pos..], out ulong value, out int n);
        if (status != VarintStatus.Ok)
            throw new CidFormatException($"{what}: {Varint.Describe(status)} at byte {pos}", pos);
        pos += n;
        return value;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
