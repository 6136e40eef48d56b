namespace IrohActors.Collections.Cids;

/// <summary>
/// RFC 4648 base32, lower-case alphabet, no padding (multibase <c>b</c>). Decoding is strict: only the lower-case
/// alphabet, only lengths that a whole number of bytes produces, and unused trailing bits must be zero, so every
/// byte string has exactly one text form.
/// </summary>
internal static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Encodes <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[(bytes.Length * 8 + 4) / 5];
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
}
