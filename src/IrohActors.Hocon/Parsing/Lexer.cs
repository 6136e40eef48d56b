using System.Globalization;
using System.Text;

namespace IrohActors.Hocon;

/// <summary>Splits HOCON text into tokens with line and column; drops comments.</summary>
internal sealed class Lexer
{
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    private readonly string _text;
    private readonly string _origin;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line;
    private int _column;

    private Lexer(string text, string origin, int line, int column)
    {
        _text = text;
        _origin = origin;
        _line = line;
        _column = column;
    }

    /// <summary>Tokenizes <paramref name="text"/>; positions start at <paramref name="line"/>:<paramref name="column"/>.</summary>
    public static List<Token> Tokenize(string text, string origin, int line = 1, int column = 1)
    {
        var lexer = new Lexer(text, origin, line, column);
        lexer.Run();
        return lexer._tokens;
    }

    private HoconPosition Here => new(_origin, _line, _column);

    private char Cur => _text[_pos];

    private char PeekAt(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private void Advance(int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            if (_text[_pos] == '\n')
            {
                _line++;
                _column = 1;
            }
            else
            {
                _column++;
            }
            _pos++;
        }
    }

    private HoconSyntaxException Error(string reason, HoconPosition at) => new(reason, at);

    private void Run()
    {
        if (_text.Length > 0 && _text[0] == '\uFEFF')
            _pos = 1;
        while (_pos < _text.Length)
        {
            var start = Here;
            var c = Cur;
            if (c == '\n')
            {
                Advance();
                _tokens.Add(new Token(TokenKind.Newline, "\n", start));
            }
            else if (IsWhitespace(c))
            {
                var from = _pos;
                while (_pos < _text.Length && Cur != '\n' && IsWhitespace(Cur))
                    Advance();
                _tokens.Add(new Token(TokenKind.Whitespace, _text[from.._pos], start));
            }
            else if (c == '#' || (c == '/' && PeekAt(1) == '/'))
            {
                while (_pos < _text.Length && Cur != '\n')
                    Advance();
            }
            else if (c == '"')
            {
                if (PeekAt(1) == '"' && PeekAt(2) == '"')
                    ReadTripleQuoted(start);
                else
                    ReadQuoted(start);
            }
            else if (c == '$')
            {
                ReadSubstitution(start);
            }
            else if (c == '+' )
            {
                if (PeekAt(1) != '=')
                    throw Error("'+' is only allowed as part of '+='", start);
                Advance(2);
                _tokens.Add(new Token(TokenKind.PlusEquals, "+=", start));
            }
            else if (Single(c) is { } kind)
            {
                Advance();
                _tokens.Add(new Token(kind, c.ToString(), start));
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && char.IsAsciiDigit(PeekAt(1))))
            {
                ReadNumber(start);
            }
            else if (Forbidden.Contains(c))
            {
                throw Error($"character '{c}' is not allowed here (quote it)", start);
            }
            else
            {
                ReadUnquoted(start);
            }
        }
        _tokens.Add(new Token(TokenKind.End, "", Here));
    }

    private static TokenKind? Single(char c) => c switch
    {
        ',' => TokenKind.Comma,
        ':' => TokenKind.Colon,
        '=' => TokenKind.Equals,
        '{' => TokenKind.OpenBrace,
        '}' => TokenKind.CloseBrace,
        '[' => TokenKind.OpenBracket,
        ']' => TokenKind.CloseBracket,
        _ => null,
    };

    /// <summary>HOCON whitespace: Unicode space separators, ASCII controls 9-13 and 28-31, BOM.</summary>
    internal static bool IsWhitespace(char c) =>
        c is ' ' or '\t' or '\r' or '\n' or '\v' or '\f' or '\u001C' or '\u001D' or '\u001E' or '\u001F' or '\uFEFF'
        || char.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator;

    private bool AtUnquotedChar()
    {
        if (_pos >= _text.Length)
            return false;
        var c = Cur;
        if (IsWhitespace(c) || Forbidden.Contains(c))
            return false;
        return !(c == '/' && PeekAt(1) == '/');
    }

    private void ReadUnquoted(HoconPosition start)
    {
        var from = _pos;
        while (AtUnquotedChar())
            Advance();
        var text = _text[from.._pos];
        var kind = text switch
        {
            "true" => TokenKind.True,
            "false" => TokenKind.False,
            "null" => TokenKind.Null,
            _ => TokenKind.Unquoted,
        };
        _tokens.Add(new Token(kind, text, start));
    }

    private void ReadNumber(HoconPosition start)
    {
        var from = _pos;
        if (Cur == '-')
            Advance();
        while (_pos < _text.Length && char.IsAsciiDigit(Cur))
            Advance();
        if (_pos < _text.Length && Cur == '.' && char.IsAsciiDigit(PeekAt(1)))
        {
            Advance();
            while (_pos < _text.Length && char.IsAsciiDigit(Cur))
                Advance();
        }
        if (_pos < _text.Length && (Cur == 'e' || Cur == 'E'))
        {
            var digitAt = PeekAt(1) is '+' or '-' ? 2 : 1;
            if (char.IsAsciiDigit(PeekAt(digitAt)))
            {
                Advance(digitAt);
                while (_pos < _text.Length && char.IsAsciiDigit(Cur))
                    Advance();
            }
        }
        _tokens.Add(new Token(TokenKind.Number, _text[from.._pos], start));
    }

    private void ReadQuoted(HoconPosition start)
    {
        Advance(); // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || Cur == '\n')
                throw Error("unclosed string (a quoted string must end on the line it starts)", start);
            var c = Cur;
            if (c == '"')
            {
                Advance();
                break;
            }
            if (c == '\\')
            {
                var escAt = Here;
                Advance();
                if (_pos >= _text.Length)
                    throw Error("unclosed string", start);
                var e = Cur;
                Advance();
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 > _text.Length
                            || !int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                            throw Error("bad \\u escape: expected four hex digits", escAt);
                        Advance(4);
                        sb.Append((char)code);
                        break;
                    default:
                        throw Error($"bad escape '\\{e}' in quoted string", escAt);
                }
                continue;
            }
            if (char.IsControl(c) && c != '\t')
                throw Error($"control character U+{(int)c:X4} in quoted string (escape it)", Here);
            sb.Append(c);
            Advance();
        }
        _tokens.Add(new Token(TokenKind.QuotedString, sb.ToString(), start));
    }

    private void ReadTripleQuoted(HoconPosition start)
    {
        Advance(3);
        var from = _pos;
        var close = _text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (close < 0)
            throw Error("unclosed triple-quoted string", start);
        var run = close;
        while (run < _text.Length && _text[run] == '"')
            run++;
        // The last three quotes of the run close the string; any before them are content.
        var end = run - 3;
        var content = _text[from..end];
        Advance(run - _pos);
        _tokens.Add(new Token(TokenKind.QuotedString, content, start, flag: true));
    }

    private void ReadSubstitution(HoconPosition start)
    {
        if (PeekAt(1) != '{')
            throw Error("'$' must start a substitution '${...}' (quote it otherwise)", start);
        Advance(2);
        var optional = false;
        if (_pos < _text.Length && Cur == '?')
        {
            optional = true;
            Advance();
        }
        var from = _pos;
        while (true)
        {
            if (_pos >= _text.Length || Cur == '\n')
                throw Error("unclosed substitution '${'", start);
            if (Cur == '}')
                break;
            if (Cur == '"')
            {
                Advance();
                while (_pos < _text.Length && Cur != '"' && Cur != '\n')
                    Advance(Cur == '\\' && _pos + 1 < _text.Length ? 2 : 1);
                if (_pos >= _text.Length || Cur != '"')
                    throw Error("unclosed string in substitution", start);
            }
            Advance();
        }
        var inner = _text[from.._pos];
        Advance(); // '}'
        _tokens.Add(new Token(TokenKind.Substitution, inner, start, optional));
    }
}
