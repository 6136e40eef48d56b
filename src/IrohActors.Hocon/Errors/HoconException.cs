namespace IrohActors.Hocon;

/// <summary>Bad HOCON input: the message starts with <c>file:line:column</c> of the offending place.</summary>
public class HoconException : Exception
{
    /// <summary>Creates an exception for <paramref name="reason"/> at <paramref name="position"/>.</summary>
    public HoconException(string reason, HoconPosition position, Exception? inner = null)
        : base($"{position}: {reason}", inner)
    {
        Reason = reason;
        Position = position;
    }

    /// <summary>The problem, without the location prefix.</summary>
    public string Reason { get; }

    /// <summary>Where the problem is.</summary>
    public HoconPosition Position { get; }

    /// <summary>The file (or <c>&lt;string&gt;</c>) that holds the problem.</summary>
    public string Origin => Position.Origin;

    /// <summary>1-based line of the problem (0 when unknown).</summary>
    public int Line => Position.Line;

    /// <summary>1-based column of the problem (0 when unknown).</summary>
    public int Column => Position.Column;
}
