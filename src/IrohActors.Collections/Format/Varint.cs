namespace IrohActors.Collections.Format;

/// <summary>
/// Unsigned LEB128 as multiformats defines it: 7 bits per byte, least significant group first, high bit =
/// "more follows", minimal encoding only, at most 9 bytes (63 bits). Used by CIDs and the collection format.
/// </summary>
internal static class Varint
{
    /// <summary>The longest valid encoding.</summary>
    public const int MaxLength = 9;

    /// <summary>The largest encodable value (63 bits).</summary>
    public const ulong MaxValue = (1UL << 63) - 1;

    /// <summary>Bytes needed to encode <paramref name="value"/>.</summary>
    public static int SizeOf(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    /// <summary>Writes <paramref name="value"/> and returns the number of bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        if (value > MaxValue)
            throw new ArgumentOutOfRangeException(nameof(value), value, "a varint holds at most 63 bits");
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Appends <paramref name="value"/> to a stream.</summary>
    public static void Write(Stream stream, ulong value)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        stream.Write(buffer[..Write(buffer, value)]);
    }

    /// <summary>Decodes one varint at the start of <paramref name="source"/>.</summary>
    /// <returns><see cref="VarintStatus.Ok"/> with the value and its length, or why it is not a valid varint.</returns>
    public static VarintStatus TryRead(ReadOnlySpan<byte> source, out ulong value, out int length)
    {
        value = 0;
        length = 0;
        for (int i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
                return VarintStatus.Truncated;
            byte b = source[i];
            value |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                length = i + 1;
                // A last byte of zero after the first means the same value fits in fewer bytes.
                if (b == 0 && i > 0)
                    return VarintStatus.NotMinimal;
                return VarintStatus.Ok;
            }
        }
        return VarintStatus.TooLong;
    }

    /// <summary>Human-readable reason for a failed decode.</summary>
    public static string Describe(VarintStatus status) => status switch
    {
        VarintStatus.Truncated => "truncated varint",
        VarintStatus.NotMinimal => "non-minimal varint encoding",
        VarintStatus.TooLong => $"varint longer than {MaxLength} bytes",
        _ => "valid varint",
    };
}

/// <summary>Outcome of <see cref="Varint.TryRead"/>.</summary>
internal enum VarintStatus
{
    /// <summary>Decoded.</summary>
    Ok,
    /// <summary>The input ended inside the varint.</summary>
    Truncated,
    /// <summary>The value has a shorter encoding (multiformats requires minimal varints).</summary>
    NotMinimal,
    /// <summary>More than 9 bytes.</summary>
    TooLong,
}
