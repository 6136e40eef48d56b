namespace IrohActors.Hocon;

/// <summary>
/// Turns tokens into a value tree: objects (root braces optional), arrays, concatenations, substitutions,
/// <c>+=</c>, dotted keys and includes. Repeated keys merge at once where both sides are concrete.
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private readonly IncludeContext _includes;
    private readonly IReadOnlyList<string> _prefix;
    private readonly HashSet<HoconObject> _owned = new(ReferenceEqualityComparer.Instance);
    private int _i;

    private Parser(List<Token> tokens, IncludeContext includes, IReadOnlyList<string> prefix)
    {
        _tokens = tokens;
        _includes = includes;
        _prefix = prefix;
    }

    /// <summary>Parses a whole document to its root object.</summary>
    /// <param name="text">The HOCON text.</param>
    /// <param name="includes">Where includes are looked up (holds the origin name and its directory).</param>
    /// <param name="prefix">For an included file: the path it is included at (substitutions are relativized to it).</param>
    public static HoconObject ParseDocument(string text, IncludeContext includes, IReadOnlyList<string> prefix)
    {
        var parser = new Parser(Lexer.Tokenize(text, includes.Origin), includes, prefix);
        return parser.ParseRoot();
    }

    private Token Peek => _tokens[_i];

    private Token Next() => _tokens[_i++];

    private void SkipWhitespace()
    {
        while (Peek.Kind == TokenKind.Whitespace)
            _i++;
    }

    private void SkipWhitespaceAndNewlines()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline)
            _i++;
    }

    private static HoconSyntaxException Error(string reason, Token at) => new(reason, at.Position);

    private HoconObject ParseRoot()
    {
        SkipWhitespaceAndNewlines();
        HoconObject root;
        if (Peek.Kind == TokenKind.OpenBrace)
        {
            var open = Next();
            root = ParseObjectBody(open, _prefix);
            SkipWhitespaceAndNewlines();
            if (Peek.Kind != TokenKind.End)
                throw Error($"unexpected {Peek.Describe()} after the root object", Peek);
        }
        else if (Peek.Kind == TokenKind.OpenBracket)
        {
            throw Error("the root of a configuration must be an object, not an array", Peek);
        }
        else
        {
            root = ParseObjectBody(null, _prefix);
        }
        return root;
    }

    /// <summary>Parses fields up to the closing brace (or the end of input for an unbraced root).</summary>
    /// <param name="open">The opening brace, or null for the braceless root.</param>
    /// <param name="path">The object's own path, or null inside arrays (no self-references there).</param>
    private HoconObject ParseObjectBody(Token? open, IReadOnlyList<string>? path)
    {
        var fields = new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal);
        var position = open?.Position ?? Peek.Position;
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var t = Peek;
            if (t.Kind == TokenKind.CloseBrace)
            {
                if (open is null)
                    throw Error("unexpected '}' (no matching '{')", t);
                Next();
                break;
            }
            if (t.Kind == TokenKind.End)
            {
                if (open is { } o)
                    throw new HoconSyntaxException(
                        $"unclosed '{{' opened at line {o.Position.Line}, column {o.Position.Column}: reached end of input at line {t.Position.Line}, column {t.Position.Column}",
                        o.Position);
                break;
            }
            if (t.Kind == TokenKind.Comma)
                throw Error("unexpected ',' (a field is missing, or commas are doubled)", t);

            if (IsInclude())
                ParseInclude(fields, path ?? []);
            else
                ParseField(fields, path);

            SkipWhitespace();
            t = Peek;
            if (t.Kind == TokenKind.Comma)
                Next();
            else if (t.Kind is not (TokenKind.Newline or TokenKind.CloseBrace or TokenKind.End))
                throw Error($"expected ',' or a newline after a field, found {t.Describe()}", t);
        }
        var result = new HoconObject(fields, position);
        _owned.Add(result);
        return result;
    }

    /// <summary>
    /// <see cref="Merging.Merge"/>, but merging in place into objects this parser built and nobody else holds
    /// yet, so that many dotted keys under one object (<c>a.k1 = …</c>, <c>a.k2 = …</c>) cost linear time.
    /// An object leaves the field tree (and may become someone's earlier value) only when a non-object
    /// replaces it, and then it is never mutated again.
    /// </summary>
    private HoconValue MergeField(HoconValue? old, HoconValue newer)
    {
        if (old is HoconObject oo && newer is HoconObject no && _owned.Contains(oo))
        {
            var fields = oo.MutableFields;
            foreach (var key in no.Keys)
                fields[key] = MergeField(fields.TryGetValue(key, out var existing) ? existing : null, no.Fields[key]);
            return oo;
        }
        var merged = Merging.Merge(old, newer);
        if (merged is HoconObject mo && !ReferenceEquals(mo, old) && !ReferenceEquals(mo, newer))
            _owned.Add(mo); // a fresh copy made by the merge
        return merged;
    }

    private void ParseField(OrderedDictionary<string, HoconValue> fields, IReadOnlyList<string>? objectPath)
    {
        var keyStart = Peek;
        var keyTokens = new List<Token>();
        while (Peek.Kind is TokenKind.Whitespace || (Peek.IsSimpleValue && !(Peek.Kind == TokenKind.QuotedString && Peek.Flag)))
            keyTokens.Add(Next());
        if (keyTokens.Count == 0)
            throw Error($"expected a key, found {Peek.Describe()}", Peek);
        var key = KeyPath.FromTokens(keyTokens, keyStart.Position);

        SkipWhitespaceAndNewlines();
        var sep = Peek;
        var append = false;
        switch (sep.Kind)
        {
            case TokenKind.Colon:
            case TokenKind.Equals:
                Next();
                SkipWhitespaceAndNewlines();
                break;
            case TokenKind.PlusEquals:
                Next();
                append = true;
                SkipWhitespaceAndNewlines();
                break;
            case TokenKind.OpenBrace:
                break;
            default:
                throw Error($"expected ':', '=', '+=' or '{{' after key '{KeyPath.Render(key)}', found {sep.Describe()}", sep);
        }

        IReadOnlyList<string>? fieldPath = objectPath is null ? null : [.. objectPath, .. key];
        var value = ParseValue(fieldPath, fieldPath);
        if (append)
        {
            // a += b  is  a = ${?a} [b]
            var selfPath = fieldPath ?? key;
            var self = new HoconSubstitution(selfPath, null, KeyPath.Render(selfPath), optional: true,
                selfReferenceDepth: selfPath.Count, prior: null, sep.Position);
            value = new HoconConcatenation(
                [new ConcatPart(self, null), new ConcatPart(new HoconArray([value], value.Position), null)], sep.Position);
        }
        var wrapped = HoconObject.Wrap(key, 1, value);
        for (var inner = wrapped; inner is HoconObject o && !ReferenceEquals(inner, value); inner = o.Fields.Values.Single())
            _owned.Add(o);
        fields[key[0]] = MergeField(fields.TryGetValue(key[0], out var old) ? old : null, wrapped);
    }

    /// <summary>Parses one value, or a concatenation of values on one line.</summary>
    /// <param name="fieldPath">Path of the field being defined, for self-reference detection (null in arrays of objects).</param>
    /// <param name="objectPath">Path given to object values' fields.</param>
    private HoconValue ParseValue(IReadOnlyList<string>? fieldPath, IReadOnlyList<string>? objectPath)
    {
        var parts = new List<ConcatPart>();
        string? pendingSpace = null;
        var start = Peek;
        var hasUnresolved = false;
        while (true)
        {
            var t = Peek;
            HoconValue? value;
            switch (t.Kind)
            {
                case TokenKind.Whitespace:
                    Next();
                    pendingSpace = t.Text;
                    continue;
                case TokenKind.QuotedString:
                case TokenKind.Unquoted:
                    Next();
                    value = HoconScalar.String(t.Text, t.Position);
                    break;
                case TokenKind.Number:
                    Next();
                    value = new HoconScalar(HoconValueType.Number, t.Text, t.Position);
                    break;
                case TokenKind.True:
                case TokenKind.False:
                    Next();
                    value = new HoconScalar(HoconValueType.Boolean, t.Text, t.Position);
                    break;
                case TokenKind.Null:
                    Next();
                    value = HoconScalar.Null(t.Position);
                    break;
                case TokenKind.Substitution:
                    Next();
                    value = MakeSubstitution(t, fieldPath);
                    hasUnresolved = true;
                    break;
                case TokenKind.OpenBrace:
                    Next();
                    value = ParseObjectBody(t, objectPath);
                    break;
                case TokenKind.OpenBracket:
                    Next();
                    value = ParseArray(t, fieldPath);
                    break;
                default:
                    value = null;
                    break;
            }
            if (value is null)
                break;
            if (parts.Count > 0 && pendingSpace is not null)
                parts.Add(new ConcatPart(null, pendingSpace));
            pendingSpace = null;
            parts.Add(new ConcatPart(value, null));
        }
        if (parts.Count == 0)
            throw Error($"expected a value, found {Peek.Describe()}", Peek);
        if (parts.Count == 1)
            return parts[0].Value!;
        return hasUnresolved ? new HoconConcatenation(parts, start.Position) : Merging.Combine(parts, start.Position)!;
    }

    private HoconSubstitution MakeSubstitution(Token t, IReadOnlyList<string>? fieldPath)
    {
        var innerColumn = t.Position.Column + (t.Flag ? 3 : 2);
        var written = KeyPath.Parse(t.Text, new HoconPosition(t.Position.Origin, t.Position.Line, innerColumn));
        IReadOnlyList<string> path = _prefix.Count == 0 ? written : [.. _prefix, .. written];
        var fallback = _prefix.Count == 0 ? null : written;
        var selfDepth = fieldPath is not null && KeyPath.StartsWith(path, fieldPath) ? fieldPath.Count : -1;
        return new HoconSubstitution(path, fallback, t.Text.Trim(), t.Flag, selfDepth, prior: null, t.Position);
    }

    private HoconArray ParseArray(Token open, IReadOnlyList<string>? fieldPath)
    {
        var items = new List<HoconValue>();
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var t = Peek;
            if (t.Kind == TokenKind.CloseBracket)
            {
                Next();
                break;
            }
            if (t.Kind == TokenKind.End)
                throw new HoconSyntaxException(
                    $"unclosed '[' opened at line {open.Position.Line}, column {open.Position.Column}: reached end of input at line {t.Position.Line}, column {t.Position.Column}",
                    open.Position);
            if (t.Kind == TokenKind.Comma)
                throw Error("unexpected ',' in array (an element is missing)", t);
            items.Add(ParseValue(fieldPath, null));
            SkipWhitespace();
            t = Peek;
            if (t.Kind == TokenKind.Comma)
                Next();
            else if (t.Kind is not (TokenKind.Newline or TokenKind.CloseBracket or TokenKind.End))
                throw Error($"expected ',' or ']' in array, found {t.Describe()}", t);
        }
        return new HoconArray(items, open.Position);
    }

    /// <summary>An unquoted <c>include</c> at the start of a key is always the keyword (spec); quote it to use it as a key.</summary>
    private bool IsInclude() => Peek.Kind == TokenKind.Unquoted && Peek.Text == "include";

    private void ParseInclude(OrderedDictionary<string, HoconValue> fields, IReadOnlyList<string> objectPath)
    {
        var include = Next();
        if (Peek.Kind != TokenKind.Whitespace)
            throw Error("'include' must be followed by whitespace and a target; quote \"include\" to use it as a key", include);
        var parts = new List<Token>();
        while (Peek.Kind is not (TokenKind.Newline or TokenKind.Comma or TokenKind.CloseBrace or TokenKind.End))
        {
            var t = Next();
            if (t.Kind != TokenKind.Whitespace)
                parts.Add(t);
        }
        var quoted = parts.FindIndex(p => p.Kind == TokenKind.QuotedString);
        var malformed = Error("malformed include: expected include \"name\", file(\"name\"), classpath(\"name\"), url(\"name\") or required(...) around one of them (quote \"include\" to use it as a key)", include);
        if (quoted < 0 || parts.Skip(quoted + 1).Any(p => p.Kind == TokenKind.QuotedString)
            || parts.Take(quoted).Any(p => p.Kind != TokenKind.Unquoted) || parts.Skip(quoted + 1).Any(p => p.Kind != TokenKind.Unquoted))
            throw malformed;
        var opening = string.Concat(parts.Take(quoted).Select(p => p.Text));
        var closing = string.Concat(parts.Skip(quoted + 1).Select(p => p.Text));
        var required = false;
        if (opening.StartsWith("required(", StringComparison.Ordinal))
        {
            required = true;
            opening = opening["required(".Length..];
        }
        var kind = opening switch
        {
            "" => IncludeKind.Heuristic,
            "file(" => IncludeKind.File,
            "classpath(" => IncludeKind.Classpath,
            "url(" => IncludeKind.Url,
            _ => throw malformed,
        };
        var expectedClosing = new string(')', (required ? 1 : 0) + (opening.Length > 0 ? 1 : 0));
        if (closing != expectedClosing)
            throw malformed;

        var included = _includes.Include(kind, parts[quoted].Text, required, include.Position, [.. objectPath]);
        if (included is null)
            return;
        foreach (var key in included.Keys)
            fields[key] = MergeField(fields.TryGetValue(key, out var old) ? old : null, included.Fields[key]);
    }
}
