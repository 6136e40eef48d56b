namespace IrohActors.Node.Identity;

/// <summary>
/// RFC 4648 base32 (alphabet <c>a–z2–7</c>), written lowercase and without padding. Decoding is strict:
/// upper case, padding and non-zero unused trailing bits are rejected, so every value has exactly one text.
/// </summary>
internal static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Number of characters that encode <paramref name="byteCount"/> bytes.</summary>
    public static int EncodedLength(int byteCount) => (byteCount * 8 + 4) / 5;

    public static string Encode(ReadOnlySpan<byte> data)
    {
        return string.Create(EncodedLength(data.Length), data.ToArray(), static (chars, bytes) =>
        {
            int bits = 0, value = 0, o = 0;
            foreach (var b in bytes)
            {
                value = (value << 8) | b;
                bits += 8;
                while (bits >= 5)
                {
                    bits -= 5;
                    chars[o++] = Alphabet[(value >> bits) & 31];
                }
            }
            if (bits > 0)
                chars[o] = Alphabet[(value << (5 - bits)) & 31];
        });
    }

    /// <summary>Decodes into <paramref name="output"/>, whose length fixes the expected text length.</summary>
    /// <exception cref="FormatException">A character outside the alphabet (offset given), or non-zero trailing bits.</exception>
    public static void Decode(ReadOnlySpan<char> text, Span<byte> output, string what)
    {
        if (text.Length != EncodedLength(output.Length))
            throw new FormatException($"{what}: expected {EncodedLength(output.Length)} base32 characters, got {text.Length}");
        int bits = 0, value = 0, o = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            int v = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (v < 0)
                throw new FormatException($"{what}: character '{Printable(c)}' at offset {i} is not lowercase base32 (a-z, 2-7)");
            value = ((value << 5) | v) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output[o++] = (byte)(value >> bits);
            }
        }
        if ((value & ((1 << bits) - 1)) != 0)
            throw new FormatException($"{what}: the last character (offset {text.Length - 1}) has non-zero unused bits; the text is not canonical");
    }

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
