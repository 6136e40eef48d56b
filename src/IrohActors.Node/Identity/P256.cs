using System.Numerics;

namespace IrohActors.Node.Identity;

/// <summary>
/// The NIST P-256 curve arithmetic the BCL lacks: compressing a point to its 33-byte SEC1 form and
/// recovering y from x (SEC 1 §2.3.3–2.3.4). Only used when parsing or creating identities, not on hot paths.
/// </summary>
internal static class P256
{
    /// <summary>Length of a compressed SEC1 point: one prefix byte (0x02 even y, 0x03 odd y) and x.</summary>
    public const int CompressedLength = 33;

    /// <summary>Length of one coordinate.</summary>
    public const int CoordinateLength = 32;

    /// <summary>The curve's object identifier (secp256r1 / prime256v1).</summary>
    public const string Oid = "1.2.840.10045.3.1.7";

    private static readonly BigInteger P = Parse("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    private static readonly BigInteger B = Parse("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
    // p ≡ 3 (mod 4), so a square root of a is a^((p+1)/4).
    private static readonly BigInteger SqrtExponent = (P + 1) / 4;

    /// <summary>Writes the compressed form of (x, y) into <paramref name="output"/> (33 bytes).</summary>
    public static void Compress(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Span<byte> output)
    {
        if (x.Length != CoordinateLength || y.Length != CoordinateLength)
            throw new ArgumentException("P-256 coordinates are 32 bytes each");
        output[0] = (byte)(0x02 | (y[^1] & 1));
        x.CopyTo(output[1..]);
    }

    /// <summary>Recovers y for a compressed point, checking that the point lies on the curve.</summary>
    /// <exception cref="FormatException">Bad prefix, x not below p, or no curve point with this x.</exception>
    public static byte[] DecompressY(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length != CompressedLength)
            throw new FormatException($"a compressed P-256 point is {CompressedLength} bytes, got {compressed.Length}");
        var prefix = compressed[0];
        if (prefix is not (0x02 or 0x03))
            throw new FormatException($"byte 0 of a compressed P-256 point must be 0x02 or 0x03, got 0x{prefix:x2}");
        var x = new BigInteger(compressed[1..], isUnsigned: true, isBigEndian: true);
        if (x >= P)
            throw new FormatException("the x coordinate is not below the field prime; not a P-256 point");
        // y² = x³ − 3x + b (mod p)
        var rhs = Mod(BigInteger.ModPow(x, 3, P) - 3 * x + B);
        var y = BigInteger.ModPow(rhs, SqrtExponent, P);
        if (BigInteger.ModPow(y, 2, P) != rhs)
            throw new FormatException("no point on P-256 has this x coordinate");
        if ((int)(y & 1) != (prefix & 1))
            y = P - y;
        var result = new byte[CoordinateLength];
        y.TryWriteBytes(result.AsSpan(CoordinateLength - y.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return result;
    }

    private static BigInteger Mod(BigInteger v)
    {
        var r = v % P;
        return r.Sign < 0 ? r + P : r;
    }

    private static BigInteger Parse(string hex) => new(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
}
