namespace IrohActors.Hocon;

/// <summary>A substitution could not be resolved: undefined non-optional path, or a cycle.</summary>
public class HoconResolveException : HoconException
{
    /// <summary>Creates the exception.</summary>
    public HoconResolveException(string reason, HoconPosition position) : base(reason, position) { }
}

/// <summary>Substitutions refer to each other in a cycle; the position is the substitution that closed it.</summary>
public sealed class HoconCycleException : HoconResolveException
{
    /// <summary>Creates the exception.</summary>
    public HoconCycleException(string reason, HoconPosition position) : base(reason, position) { }
}
