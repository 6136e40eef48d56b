using System.Globalization;
using System.Text;

namespace IrohActors.Hocon;

/// <summary>Canonical JSON for resolved values: keys sorted ordinally, no whitespace, numbers as written.</summary>
internal static class JsonRenderer
{
    public static string Render(HoconValue value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, HoconValue value)
    {
        switch (value)
        {
            case HoconObject o:
                sb.Append('{');
                var first = true;
                foreach (var key in o.Keys.Order(StringComparer.Ordinal))
                {
                    if (!first)
                        sb.Append(',');
                    first = false;
                    sb.Append(Quote(key)).Append(':');
                    Write(sb, o.Fields[key]);
                }
                sb.Append('}');
                break;
            case HoconArray a:
                sb.Append('[');
                for (var i = 0; i < a.Items.Count; i++)
                {
                    if (i > 0)
                        sb.Append(',');
                    Write(sb, a.Items[i]);
                }
                sb.Append(']');
                break;
            case HoconScalar s:
                sb.Append(s.Type switch
                {
                    HoconValueType.String => Quote(s.Text),
                    HoconValueType.Number => IsJsonNumber(s.Text) ? s.Text : Quote(s.Text),
                    _ => s.Text,
                });
                break;
            default:
                throw new InvalidOperationException($"{value.Position}: cannot render an unresolved value as JSON; resolve the config first");
        }
    }

    private static bool IsJsonNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        && !(text.Length > 1 && text[0] == '0' && char.IsAsciiDigit(text[1]))
        && !(text.Length > 2 && text[0] == '-' && text[1] == '0' && char.IsAsciiDigit(text[2]));

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
