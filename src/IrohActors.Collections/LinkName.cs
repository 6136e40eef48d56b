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
        var shown = AppendEscaped(sb, name, DisplayLimit, escapeQuote: true);
        if (shown < name.Length)
            sb.Append("…(+").Append(name.Length - shown).Append(" bytes)");
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>
    /// The whole name as unquoted text, as <see cref="Display"/> renders it inside its quotes (a quote stays a quote):
    /// what a directory walk reports for an entry it leaves out.
    /// </summary>
    public static string Escape(ReadOnlySpan<byte> name)
    {
        var sb = new StringBuilder(name.Length);
        AppendEscaped(sb, name, int.MaxValue, escapeQuote: false);
        return sb.ToString();
    }

    /// <summary>True if a name segment holds a byte that export refuses (a control byte or a backslash, see <see cref="Export.ExportPathPolicy"/>).</summary>
    public static bool HasRefusedByte(ReadOnlySpan<byte> segment) => Export.ExportPathPolicy.FirstForbidden(segment) >= 0;

    // Appends the escaped name until the builder holds `limit` characters; returns how many bytes of the name it covered.
    private static int AppendEscaped(StringBuilder sb, ReadOnlySpan<byte> name, int limit, bool escapeQuote)
    {
        var i = 0;
        while (i < name.Length && sb.Length < limit)
        {
            var b = name[i];
            if (Rune.DecodeFromUtf8(name[i..], out var rune, out var consumed) == OperationStatus.Done
                && !Rune.IsControl(rune) && rune.Value != '\\' && !(escapeQuote && rune.Value == '"'))
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
        return i;
    }
}
