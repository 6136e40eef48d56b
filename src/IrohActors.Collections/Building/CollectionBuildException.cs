namespace IrohActors.Collections;

/// <summary>The links given to a <see cref="CollectionBuilder"/> cannot form a collection.</summary>
public class CollectionBuildException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CollectionBuildException(string message)
        : base(message)
    {
    }
}

/// <summary>Two links have the same name; collections are sets keyed by name.</summary>
public sealed class DuplicateLinkNameException : CollectionBuildException
{
    /// <summary>Creates the exception for <paramref name="name"/>.</summary>
    public DuplicateLinkNameException(ReadOnlySpan<byte> name)
        : base($"duplicate link name {LinkName.Display(name)}: names in a collection must be unique")
    {
        Name = name.ToArray();
    }

    /// <summary>The repeated name.</summary>
    public ReadOnlyMemory<byte> Name { get; }
}
