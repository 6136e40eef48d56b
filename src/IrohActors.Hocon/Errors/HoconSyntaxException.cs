namespace IrohActors.Hocon;

/// <summary>The text is not valid HOCON: unclosed brace, bracket or string, bad key, unexpected token.</summary>
public sealed class HoconSyntaxException : HoconException
{
    /// <summary>Creates the exception.</summary>
    public HoconSyntaxException(string reason, HoconPosition position) : base(reason, position) { }
}
