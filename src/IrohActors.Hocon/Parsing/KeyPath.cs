using System.Text;

namespace IrohActors.Hocon;

/// <summary>Path expressions (<c>a.b."c.d"</c>): from key tokens, from text, and back to text.</summary>
internal static class KeyPath
{
    /// <summary>Parses a path expression such as <c>akka.actor."x.y"</c>; errors are placed at <paramref name="at"/> plus the offset.</summary>
    public static IReadOnlyList<string> Parse(string expression, HoconPosition at)
    {
        var tokens = Lexer.Tokenize(expression, at.Origin, Math.Max(at.Line, 1), Math.Max(at.Column, 1));
        var keyTokens = new List<Token>();
        foreach (var t in tokens)
        {
            if (t.Kind == TokenKind.End)
                break;
            if (t.Kind is not (TokenKind.Whitespace or TokenKind.QuotedString or TokenKind.Unquoted or TokenKind.Number
                or TokenKind.True or TokenKind.False or TokenKind.Null) || (t.Kind == TokenKind.QuotedString && t.Flag))
                throw new HoconSyntaxException($"bad path expression '{expression}': unexpected {t.Describe()}", t.Position);
            keyTokens.Add(t);
        }
        return FromTokens(keyTokens, at, expression);
    }

    /// <summary>Builds a path from the tokens of a key; whitespace inside is kept, around it is dropped.</summary>
    public static IReadOnlyList<string> FromTokens(IReadOnlyList<Token> tokens, HoconPosition at, string? display = null)
    {
        var first = 0;
        var last = tokens.Count - 1;
        while (first <= last && tokens[first].Kind == TokenKind.Whitespace)
            first++;
        while (last >= first && tokens[last].Kind == TokenKind.Whitespace)
            last--;
        if (first > last)
            throw new HoconSyntaxException($"bad key: empty path{(display is null ? "" : $" '{display}'")}", at);

        var segments = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        for (var i = first; i <= last; i++)
        {
            var t = tokens[i];
            switch (t.Kind)
            {
                case TokenKind.QuotedString:
                    current.Append(t.Text);
                    hasContent = true;
                    break;
                case TokenKind.Whitespace:
                    current.Append(t.Text);
                    break;
                default:
                    var pieces = t.Text.Split('.');
                    for (var p = 0; p < pieces.Length; p++)
                    {
                        if (p > 0)
                        {
                            if (!hasContent)
                                throw EmptyElement(t, display);
                            segments.Add(current.ToString());
                            current.Clear();
                            hasContent = false;
                        }
                        if (pieces[p].Length > 0)
                        {
                            current.Append(pieces[p]);
                            hasContent = true;
                        }
                    }
                    break;
            }
        }
        if (!hasContent)
            throw EmptyElement(tokens[last], display);
        segments.Add(current.ToString());
        return segments;
    }

    private static HoconSyntaxException EmptyElement(Token t, string? display) =>
        new($"bad key{(display is null ? "" : $" '{display}'")}: empty path element (leading, trailing or doubled '.'; quote it as \"\" if meant)", t.Position);

    /// <summary>Renders a path, quoting segments that would not read back as one unquoted element.</summary>
    public static string Render(IEnumerable<string> path) => string.Join('.', path.Select(RenderSegment));

    private static string RenderSegment(string s)
    {
        var plain = s.Length > 0 && !char.IsAsciiDigit(s[0]) && s[0] != '-'
            && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
        return plain ? s : JsonRenderer.Quote(s);
    }

    public static bool StartsWith(IReadOnlyList<string> path, IReadOnlyList<string> prefix)
    {
        if (prefix.Count > path.Count)
            return false;
        for (var i = 0; i < prefix.Count; i++)
            if (!string.Equals(path[i], prefix[i], StringComparison.Ordinal))
                return false;
        return true;
    }
}
