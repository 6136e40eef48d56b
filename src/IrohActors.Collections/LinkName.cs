using System.Buffers;
using System.Text;

namespace IrohActors.Collections;

/// <summary>Ordering and display of link names (raw bytes).</summary>
internal static class LinkName
{
    private const int DisplayLimit = 200;

    /// <summary>Bytewise (unsigned, lexicographic) comparison: the one order of a collection.</summary>
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    /// <summary>
    /// A quoted, unambiguous rendering for messages: printable UTF-8 as is, everything else (control bytes,
    /// invalid UTF-8, quote and backslash) as <c>\xNN</c>. Long names are cut after 200 characters.
    /// </summary>
    public static string Display(ReadOnlySpan<byte> name)
    {
        var sb = new StringBuilder(Math.Min(name.Length, DisplayLimit) + 2);
        sb.Append('"');
        int i = 0;
        while (i < name.Length && sb.Length < DisplayLimit)
        {
            byte b = name[i];
            if (Rune.DecodeFromUtf8(name[i..], out var rune, out int consumed) == OperationStatus.Done
                && !Rune.IsControl(rune) && rune.Value != '"' && rune.Value != '\\')
            {
                sb.Append(rune.ToString());
                i += consumed;
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                i++;
            }
        }
        if (i < name.Length)
            sb.Append("…(+").Append(name.Length - i).Append(" bytes)");
        sb.Append('"');
        return sb.ToString();
    }
}
