namespace IrohActors.Hocon;

/// <summary>Where a token or value came from: the file (or <c>&lt;string&gt;</c>) and a 1-based line and column.</summary>
public readonly struct HoconPosition : IEquatable<HoconPosition>
{
    /// <summary>The origin name used for text that was not read from a file.</summary>
    public const string StringOrigin = "<string>";

    /// <summary>Creates a position.</summary>
    public HoconPosition(string origin, int line, int column)
    {
        Origin = origin;
        Line = line;
        Column = column;
    }

    /// <summary>The file path, or <c>&lt;string&gt;</c> for parsed text, or a resource name.</summary>
    public string Origin { get; }

    /// <summary>1-based line; 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column (in UTF-16 characters); 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>A position that names only an origin.</summary>
    public static HoconPosition Unknown(string origin) => new(origin, 0, 0);

    /// <inheritdoc />
    public bool Equals(HoconPosition other) => Origin == other.Origin && Line == other.Line && Column == other.Column;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HoconPosition p && Equals(p);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Origin, Line, Column);

    /// <summary>Equality.</summary>
    public static bool operator ==(HoconPosition left, HoconPosition right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(HoconPosition left, HoconPosition right) => !left.Equals(right);

    /// <summary><c>file:line:column</c>.</summary>
    public override string ToString() =>
        Line == 0 ? (Origin ?? StringOrigin) : $"{Origin ?? StringOrigin}:{Line}:{Column}";
}
