using System.Globalization;
using System.Text;

namespace IrohActors.Hocon;

/// <summary>
/// Java <c>.properties</c> files per the HOCON spec: keys split on '.' into paths, every value a string;
/// when a key is both a value and a parent (<c>a=1</c>, <c>a.b=2</c>) the object wins.
/// </summary>
internal static class PropertiesParser
{
    public static HoconObject Parse(string text, string origin)
    {
        var entries = new List<(IReadOnlyList<string> Path, string Value, HoconPosition Position)>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var logical = lines[i].TrimStart(' ', '\t', '\f');
            if (logical.Length == 0 || logical[0] is '#' or '!')
                continue;
            // A line ending in an odd number of backslashes continues on the next line.
            while (EndsWithContinuation(logical) && i + 1 < lines.Length)
                logical = logical[..^1] + lines[++i].TrimStart(' ', '\t', '\f');
            if (EndsWithContinuation(logical))
                logical = logical[..^1];
            var (key, value) = Split(logical, new HoconPosition(origin, lineNumber, 1));
            entries.Add((key.Split('.'), value, new HoconPosition(origin, lineNumber, 1)));
        }

        // Shorter paths first, so a deeper key can replace a leaf with an object and a leaf never replaces an object.
        var root = new Node();
        foreach (var (path, value, position) in entries.OrderBy(e => e.Path.Count))
        {
            var node = root;
            for (var k = 0; k < path.Count - 1; k++)
            {
                if (!node.Children.TryGetValue(path[k], out var child) || child.Value is not null)
                {
                    child = new Node { Position = position };
                    node.Children[path[k]] = child;
                }
                node = child;
            }
            var last = path[^1];
            if (node.Children.TryGetValue(last, out var existing) && existing.Value is null)
                continue; // already an object: the object wins
            node.Children[last] = new Node { Value = value, Position = position };
        }
        return (HoconObject)root.ToValue(new HoconPosition(origin, 1, 1));
    }

    private static bool EndsWithContinuation(string s)
    {
        var count = 0;
        for (var i = s.Length - 1; i >= 0 && s[i] == '\\'; i--)
            count++;
        return count % 2 == 1;
    }

    private static (string Key, string Value) Split(string line, HoconPosition at)
    {
        var key = new StringBuilder();
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == '\\')
            {
                i = Unescape(line, i, key, at);
                continue;
            }
            if (c is '=' or ':' or ' ' or '\t' or '\f')
                break;
            key.Append(c);
            i++;
        }
        while (i < line.Length && line[i] is ' ' or '\t' or '\f')
            i++;
        if (i < line.Length && line[i] is '=' or ':')
            i++;
        while (i < line.Length && line[i] is ' ' or '\t' or '\f')
            i++;
        var value = new StringBuilder();
        while (i < line.Length)
        {
            if (line[i] == '\\')
                i = Unescape(line, i, value, at);
            else
                value.Append(line[i++]);
        }
        return (key.ToString(), value.ToString());
    }

    private static int Unescape(string line, int i, StringBuilder into, HoconPosition at)
    {
        if (i + 1 >= line.Length)
            return i + 1;
        var e = line[i + 1];
        switch (e)
        {
            case 't': into.Append('\t'); return i + 2;
            case 'n': into.Append('\n'); return i + 2;
            case 'r': into.Append('\r'); return i + 2;
            case 'f': into.Append('\f'); return i + 2;
            case 'u':
                if (i + 6 > line.Length
                    || !int.TryParse(line.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    throw new HoconSyntaxException("bad \\u escape in properties file: expected four hex digits", new HoconPosition(at.Origin, at.Line, i + 1));
                into.Append((char)code);
                return i + 6;
            default:
                into.Append(e);
                return i + 2;
        }
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public string? Value { get; init; }

        public HoconPosition Position { get; init; }

        public HoconValue ToValue(HoconPosition position)
        {
            if (Value is not null)
                return HoconScalar.String(Value, Position);
            var fields = new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal);
            foreach (var (k, v) in Children)
                fields[k] = v.ToValue(v.Position);
            return new HoconObject(fields, position);
        }
    }
}
