namespace IrohActors.Collections;

/// <summary>An export was refused or failed because of one link; the message names it and says why.</summary>
public sealed class CollectionExportException : IOException
{
    /// <summary>Creates the exception for the link named <paramref name="linkName"/>.</summary>
    public CollectionExportException(ReadOnlySpan<byte> linkName, string reason)
        : base($"refusing to export link {LinkName.Display(linkName)}: {reason}")
    {
        Name = linkName.ToArray();
        Reason = reason;
    }

    /// <summary>Name of the offending link.</summary>
    public ReadOnlyMemory<byte> Name { get; }

    /// <summary>Why it was refused.</summary>
    public string Reason { get; }
}
