using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace IrohActors.Blake3;

/// <summary>A 32-byte BLAKE3 hash (or chaining value), held inline with value semantics.</summary>
public readonly struct Hash : IEquatable<Hash>
{
    /// <summary>Length of a hash in bytes.</summary>
    public const int Size = 32;

    /// <summary>BLAKE3 of the empty input (the official test vector for length 0).</summary>
    public static readonly Hash Empty = Parse("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");

    private readonly HashBytes _bytes;

    private Hash(ReadOnlySpan<byte> bytes) => bytes.CopyTo(_bytes);

    /// <summary>Wraps exactly 32 bytes.</summary>
    /// <exception cref="ArgumentException">The span is not 32 bytes long.</exception>
    public static Hash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"a BLAKE3 hash is {Size} bytes, got {bytes.Length}", nameof(bytes));
        return new Hash(bytes);
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    /// <exception cref="FormatException">Wrong length or a non-hex character; the message gives its offset.</exception>
    public static Hash Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParseCore(hex, out var hash, out var error))
            throw new FormatException(error);
        return hash;
    }

    /// <summary>Parses 64 hex digits; false when the text is not exactly that (use <see cref="Parse"/> to learn where).</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out Hash hash)
    {
        hash = default;
        return hex is not null && TryParseCore(hex, out hash, out _);
    }

    private static bool TryParseCore(string hex, out Hash hash, out string? error)
    {
        hash = default;
        if (hex.Length != 2 * Size)
        {
            error = $"a BLAKE3 hash is {2 * Size} hex digits, got {hex.Length} characters";
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        for (int i = 0; i < Size; i++)
        {
            int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
            if (hi < 0 || lo < 0)
            {
                int at = hi < 0 ? 2 * i : 2 * i + 1;
                error = $"invalid hex digit '{hex[at]}' at offset {at}";
                return false;
            }
            bytes[i] = (byte)(hi << 4 | lo);
        }
        hash = new Hash(bytes);
        error = null;
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>The 32 bytes, valid as long as this value (a local or field) is.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Copies the 32 bytes.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 32 bytes.</exception>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException($"destination holds {destination.Length} bytes, a hash needs {Size}", nameof(destination));
        ((ReadOnlySpan<byte>)_bytes).CopyTo(destination);
    }

    /// <summary>A new array holding the 32 bytes.</summary>
    public byte[] ToArray() => ((ReadOnlySpan<byte>)_bytes).ToArray();

    /// <summary>Lower-case hex, 64 characters.</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);

    /// <inheritdoc cref="ToHex"/>
    public override string ToString() => ToHex();

    /// <summary>Byte-wise equality.</summary>
    public bool Equals(Hash other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash other && Equals(other);

    /// <summary>The first 4 bytes (a hash is already uniformly distributed).</summary>
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(_bytes);

    /// <summary>Byte-wise equality.</summary>
    public static bool operator ==(Hash left, Hash right) => left.Equals(right);

    /// <summary>Byte-wise inequality.</summary>
    public static bool operator !=(Hash left, Hash right) => !left.Equals(right);
}

/// <summary>Inline storage of a <see cref="Hash"/>.</summary>
[InlineArray(Hash.Size)]
internal struct HashBytes
{
    private byte _element0;
}
