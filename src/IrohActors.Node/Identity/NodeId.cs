using IrohActors.Collections.Cids;
using System.Buffers.Binary;

namespace IrohActors.Node.Identity;

/// <summary>
/// A node's self-certifying identifier: its P-256 public key as a 33-byte compressed SEC1 point,
/// written as 53 characters of lowercase RFC 4648 base32 without padding.
/// </summary>
/// <remarks>
/// Because the id <em>is</em> the public key, a peer proves an id by completing a TLS handshake with the
/// matching private key; no directory is needed. Parsing checks the point lies on the curve.
/// </remarks>
public readonly struct NodeId : IEquatable<NodeId>
{
    /// <summary>Length of the binary form in bytes.</summary>
    public const int ByteLength = P256.CompressedLength;

    /// <summary>Length of the text form in characters.</summary>
    public static readonly int TextLength = Base32.EncodedLength(ByteLength);

    private readonly byte _prefix;
    private readonly ulong _x0, _x1, _x2, _x3;

    private NodeId(ReadOnlySpan<byte> compressed)
    {
        _prefix = compressed[0];
        _x0 = BinaryPrimitives.ReadUInt64BigEndian(compressed[1..]);
        _x1 = BinaryPrimitives.ReadUInt64BigEndian(compressed[9..]);
        _x2 = BinaryPrimitives.ReadUInt64BigEndian(compressed[17..]);
        _x3 = BinaryPrimitives.ReadUInt64BigEndian(compressed[25..]);
    }

    /// <summary>True for <c>default(NodeId)</c>, which names no node.</summary>
    public bool IsDefault => _prefix == 0;

    /// <summary>Parses the 53-character text form.</summary>
    /// <exception cref="NodeIdFormatException">Wrong length, a character outside lowercase base32 (with its offset), non-canonical trailing bits, or not a P-256 point.</exception>
    public static NodeId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> bytes = stackalloc byte[ByteLength];
        try
        {
            Base32.Decode(text, bytes, "node id");
        }
        catch (FormatException e)
        {
            throw new NodeIdFormatException(e.Message);
        }
        return FromBytes(bytes);
    }

    /// <summary>Builds a NodeId from its 33-byte compressed point, checking that the point lies on P-256.</summary>
    /// <exception cref="NodeIdFormatException">Wrong length, bad prefix byte or not a curve point.</exception>
    public static NodeId FromBytes(ReadOnlySpan<byte> compressed)
    {
        try
        {
            P256.DecompressY(compressed);
        }
        catch (FormatException e)
        {
            throw new NodeIdFormatException("node id: " + e.Message);
        }
        return new NodeId(compressed);
    }

    /// <summary>Builds a NodeId from a point already known to be on the curve (taken from a key).</summary>
    internal static NodeId FromValidPoint(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        Span<byte> compressed = stackalloc byte[ByteLength];
        P256.Compress(x, y, compressed);
        return new NodeId(compressed);
    }

    /// <summary>Writes the 33-byte compressed point.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < ByteLength)
            throw new ArgumentException($"need {ByteLength} bytes", nameof(destination));
        destination[0] = _prefix;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], _x0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[9..], _x1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[17..], _x2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[25..], _x3);
    }

    /// <summary>The 33-byte compressed point.</summary>
    public byte[] ToByteArray()
    {
        var bytes = new byte[ByteLength];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The 53-character base32 text form.</summary>
    public override string ToString()
    {
        if (IsDefault)
            return "(no node id)";
        Span<byte> bytes = stackalloc byte[ByteLength];
        CopyTo(bytes);
        return Base32.Encode(bytes);
    }

    /// <summary>The first 10 characters, for logs and progress displays.</summary>
    public string ToShortString() => IsDefault ? ToString() : ToString()[..10];

    /// <inheritdoc/>
    public bool Equals(NodeId other) =>
        _prefix == other._prefix && _x0 == other._x0 && _x1 == other._x1 && _x2 == other._x2 && _x3 == other._x3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_prefix, _x0, _x1, _x2, _x3);

    /// <summary>Value equality.</summary>
    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);
}
