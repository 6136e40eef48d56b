namespace IrohActors.Collections.Cids;

/// <summary>
/// RFC 4648 base32, lower-case alphabet, no padding (multibase <c>b</c>). Decoding is strict: only the lower-case
/// alphabet, only lengths that a whole number of bytes produces, and unused trailing bits must be zero, so every
/// byte string has exactly one text form. The one codec of the project: CIDs, NodeIds and tickets all use it.
/// </summary>
public static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Number of characters that encode <paramref name="byteCount"/> bytes.</summary>
    public static int EncodedLength(int byteCount) => (byteCount * 8 + 4) / 5;

    /// <summary>Encodes <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[EncodedLength(bytes.Length)];
        int buffer = 0, bits = 0, n = 0;
        foreach (byte b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
            chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars, 0, n);
    }

    /// <summary>Decodes <paramref name="text"/>, or returns an error and the character offset it refers to.</summary>
    public static byte[]? TryDecode(ReadOnlySpan<char> text, out string? error, out int position)
    {
        error = null;
        position = 0;
        int rem = text.Length % 8;
        if (rem is 1 or 3 or 6)
        {
            error = $"base32 text of {text.Length} characters is not a whole number of bytes (unexpected end of data)";
            position = text.Length;
            return null;
        }
        var bytes = new byte[text.Length * 5 / 8];
        int buffer = 0, bits = 0, n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int v = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (v < 0)
            {
                error = $"invalid base32 character '{c}'";
                position = i;
                return null;
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bytes[n++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
            buffer &= (1 << bits) - 1;
        }
        if (buffer != 0)
        {
            error = "non-zero trailing bits in the last base32 character (non-canonical encoding)";
            position = text.Length - 1;
            return null;
        }
        return bytes;
    }

    /// <summary>Decodes into <paramref name="output"/>, whose length fixes the expected text length.</summary>
    /// <param name="text">The base32 text.</param>
    /// <param name="output">Receives the bytes; its length is the number of bytes expected.</param>
    /// <param name="what">What is being decoded, for the error message (e.g. "node id").</param>
    /// <exception cref="FormatException">A wrong length, a character outside the alphabet (offset given), or non-zero trailing bits.</exception>
    public static void Decode(ReadOnlySpan<char> text, Span<byte> output, string what)
    {
        if (text.Length != EncodedLength(output.Length))
            throw new FormatException($"{what}: expected {EncodedLength(output.Length)} base32 characters, got {text.Length}");
        var bytes = TryDecode(text, out _, out var position);
        if (bytes is null)
        {
            // The length is right, so the fault is a character outside the alphabet or, failing that, the trailing bits.
            var detail = !Alphabet.Contains(text[position], StringComparison.Ordinal)
                ? $"character '{Printable(text[position])}' at offset {position} is not lowercase base32 (a-z, 2-7)"
                : $"the last character (offset {position}) has non-zero unused bits; the text is not canonical";
            throw new FormatException($"{what}: {detail}");
        }
        bytes.CopyTo(output);
    }

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
