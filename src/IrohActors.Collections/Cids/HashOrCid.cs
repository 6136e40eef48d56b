using IrohActors.Blake3;

namespace IrohActors.Collections;

/// <summary>
/// A hash as a user typed it: 64 hex digits (no codec) or a CID (codec known). Every command that takes a hash
/// parses it with <see cref="Parse"/>.
/// </summary>
/// <param name="Hash">The BLAKE3 hash.</param>
/// <param name="Codec">The CID's codec, or null when the input was hex.</param>
public readonly record struct HashOrCid(Hash Hash, CidCodec? Codec)
{
    /// <summary>Parses 64 hex digits or a CID (surrounding white space is ignored).</summary>
    /// <exception cref="FormatException">Neither; the message says why (a <see cref="CidFormatException"/> for a bad CID).</exception>
    public static HashOrCid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        // Collection CIDs are 64 characters too, but always contain non-hex letters, so hex is tried first.
        if (text.Length > 0 && text.All(char.IsAsciiHexDigit))
            return new HashOrCid(Hash.Parse(text), null);
        if (text.StartsWith('b') || (text.Length == 46 && text.StartsWith("Qm", StringComparison.Ordinal)))
        {
            var cid = Cid.Parse(text);
            return new HashOrCid(cid.Hash, cid.Codec);
        }
        throw new FormatException($"'{(text.Length > 80 ? text[..77] + "..." : text)}' is neither 64 hex digits nor a CID (base32, starting with 'b')");
    }
}
