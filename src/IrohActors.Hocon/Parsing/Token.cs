namespace IrohActors.Hocon;

/// <summary>Kinds of HOCON tokens; comments are dropped by the lexer.</summary>
internal enum TokenKind
{
    End,
    Newline,
    Whitespace,
    Comma,
    Colon,
    Equals,
    PlusEquals,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    QuotedString,
    Unquoted,
    Number,
    True,
    False,
    Null,
    Substitution,
}

/// <summary>One token with its text (unescaped for strings; the inner path for substitutions).</summary>
internal readonly struct Token
{
    public Token(TokenKind kind, string text, HoconPosition position, bool flag = false)
    {
        Kind = kind;
        Text = text;
        Position = position;
        Flag = flag;
    }

    public TokenKind Kind { get; }

    public string Text { get; }

    public HoconPosition Position { get; }

    /// <summary>Optional (<c>${?</c>) for substitutions; triple-quoted for strings.</summary>
    public bool Flag { get; }

    public bool IsSimpleValue => Kind is TokenKind.QuotedString or TokenKind.Unquoted or TokenKind.Number
        or TokenKind.True or TokenKind.False or TokenKind.Null;

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Newline => "newline",
        TokenKind.QuotedString => $"string \"{Text}\"",
        TokenKind.Substitution => $"substitution ${{{Text}}}",
        TokenKind.Whitespace => "whitespace",
        _ => $"'{Text}'",
    };
}
