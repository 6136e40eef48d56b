namespace IrohActors.Collections;

/// <summary>A collection blob is malformed; <see cref="Offset"/> is the byte offset in the blob where it went wrong.</summary>
public sealed class CollectionFormatException : FormatException
{
    /// <summary>Creates the exception; the message gets the offset appended.</summary>
    public CollectionFormatException(string message, long offset)
        : base($"{message} (collection byte offset {offset})")
    {
        Offset = offset;
    }

    /// <summary>Byte offset in the collection blob of the offending structure.</summary>
    public long Offset { get; }
}
