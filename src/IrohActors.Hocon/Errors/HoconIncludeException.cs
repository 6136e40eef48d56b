namespace IrohActors.Hocon;

/// <summary>An include failed: a required file is missing, includes nest in a loop, or the kind is unsupported.</summary>
public sealed class HoconIncludeException : HoconException
{
    /// <summary>Creates the exception.</summary>
    public HoconIncludeException(string reason, HoconPosition position, Exception? inner = null)
        : base(reason, position, inner) { }
}
